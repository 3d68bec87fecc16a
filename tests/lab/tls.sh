# shellcheck shell=bash
# Lab Docker TLS material, generated fresh by every `lab.sh up` with openssl:
#
#   <labdir>/tls/ca.pem, ca-key.pem         the lab CA
#   <labdir>/tls/server-cert.pem, -key.pem  h$TLS_HOST's dockerd (IP SAN + DNS SAN)
#   <labdir>/tls/cert.pem, key.pem          a client certificate signed by the lab CA
#   <labdir>/tls/wrong/ca.pem, cert.pem, key.pem
#                                           an unrelated CA and a client certificate it
#                                           signed: for "wrong CA" / "wrong client" tests
#
# Keys are EC P-256 (fast to generate) except the lab client's, which is RSA so
# that both key kinds get exercised. Certificates live two days: a lab never
# outlives a test run.

tls_dir() { echo "$LAB_DIR/tls"; }

# tls_ca DIR CN: self-signed CA (ca.pem, ca-key.pem) in DIR.
tls_ca() {
  local d="$1" cn="$2"
  mkdir -p "$d"
  openssl req -x509 -new -nodes -days 2 -subj "/CN=$cn" \
    -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$d/ca-key.pem" -out "$d/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null ||
    die "openssl: cannot create the CA in $d"
}

# tls_leaf CA_DIR OUT_CERT OUT_KEY CN KEYSPEC EXTENSIONS: a certificate signed by
# the CA in CA_DIR. KEYSPEC is "ec" or "rsa".
tls_leaf() {
  local ca="$1" cert="$2" key="$3" cn="$4" kind="$5" ext="$6" keyopts
  if [[ "$kind" == rsa ]]; then
    keyopts=(-newkey rsa:2048)
  else
    keyopts=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
  fi
  openssl req -new -nodes -subj "/CN=$cn" "${keyopts[@]}" \
    -keyout "$key" -out "$cert.csr" 2>/dev/null ||
    die "openssl: cannot create the key and request for $cert"
  openssl x509 -req -in "$cert.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca-key.pem" \
    -CAcreateserial -days 2 -out "$cert" -extfile <(printf '%s\n' "$ext") 2>/dev/null ||
    die "openssl: cannot sign $cert"
  rm -f "$cert.csr"
  chmod 600 "$key"
}

tls_generate() {
  local d ip
  d="$(tls_dir)"
  ip="$(host_ip "$TLS_HOST")"
  tls_ca "$d" "fdlab CA"
  tls_leaf "$d" "$d/server-cert.pem" "$d/server-key.pem" "$(host_name "$TLS_HOST")" ec \
    "$(printf '%s\n' \
      "subjectAltName=IP:$ip,DNS:$(host_name "$TLS_HOST")" \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth")"
  tls_leaf "$d" "$d/cert.pem" "$d/key.pem" "fdlab client" rsa \
    "$(printf '%s\n' \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth")"
  tls_ca "$d/wrong" "fdlab unrelated CA"
  tls_leaf "$d/wrong" "$d/wrong/cert.pem" "$d/wrong/key.pem" "fdlab wrong client" ec \
    "$(printf '%s\n' \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=clientAuth")"
}
