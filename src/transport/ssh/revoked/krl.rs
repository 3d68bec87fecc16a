//! OpenSSH's binary Key Revocation List (`ssh-keygen -k`; the format is PROTOCOL.krl of
//! OpenSSH): explicit keys, their SHA-1 and SHA-256 hashes, and per-CA certificate
//! sections (serial lists, ranges, bitmaps, key ids). Signature sections are skipped:
//! ssh does not require them either. Pure: bytes in, a [`Krl`] out.

use russh::keys::ssh_key::public::KeyData;
use russh::keys::ssh_key::{Certificate, PublicKey};
use sha2::Digest;

/// `SSHKRL\n\0`, the first eight bytes of every KRL.
pub const MAGIC: &[u8; 8] = b"SSHKRL\n\0";
const FORMAT_VERSION: u32 = 1;

const SECTION_CERTIFICATES: u8 = 1;
const SECTION_EXPLICIT_KEY: u8 = 2;
const SECTION_FINGERPRINT_SHA1: u8 = 3;
const SECTION_SIGNATURE: u8 = 4;
const SECTION_FINGERPRINT_SHA256: u8 = 5;
const CERT_SERIAL_LIST: u8 = 0x20;
const CERT_SERIAL_RANGE: u8 = 0x21;
const CERT_SERIAL_BITMAP: u8 = 0x22;
const CERT_KEY_ID: u8 = 0x23;

/// The certificates one CA (or any CA, `ca: None`) revoked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertSection {
    pub ca: Option<KeyData>,
    /// Inclusive ranges; a listed serial is the range `(s, s)`.
    pub serials: Vec<(u64, u64)>,
    pub key_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Krl {
    pub keys: Vec<KeyData>,
    pub sha1: Vec<Vec<u8>>,
    pub sha256: Vec<Vec<u8>>,
    pub certs: Vec<CertSection>,
}

/// A reader over SSH wire encoding (big-endian integers, length-prefixed strings).
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err(format!("truncated {what}"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }
    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self, what: &str) -> Result<u64, String> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }
    fn string(&mut self, what: &str) -> Result<&'a [u8], String> {
        let len = self.u32(what)? as usize;
        self.take(len, what)
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn key(blob: &[u8], what: &str) -> Result<KeyData, String> {
    PublicKey::from_bytes(blob)
        .map(|k| k.key_data().clone())
        .map_err(|e| format!("{what}: {e}"))
}

/// Parse a whole KRL; any malformed part is an error (ssh refuses such a file too).
pub fn parse(bytes: &[u8]) -> Result<Krl, String> {
    let mut w = Wire(bytes);
    if w.take(8, "header")? != MAGIC {
        return Err("not a KRL".into());
    }
    let version = w.u32("format version")?;
    if version != FORMAT_VERSION {
        return Err(format!("unsupported KRL format version {version}"));
    }
    w.u64("krl version")?;
    w.u64("generated date")?;
    w.u64("flags")?;
    w.string("reserved")?;
    w.string("comment")?;
    let mut krl = Krl::default();
    while !w.is_empty() {
        let kind = w.u8("section type")?;
        let mut data = Wire(w.string("section")?);
        match kind {
            SECTION_CERTIFICATES => krl.certs.push(cert_section(&mut data)?),
            SECTION_EXPLICIT_KEY => {
                while !data.is_empty() {
                    krl.keys.push(key(data.string("key")?, "revoked key")?);
                }
            }
            SECTION_FINGERPRINT_SHA1 | SECTION_FINGERPRINT_SHA256 => {
                let (list, len) = if kind == SECTION_FINGERPRINT_SHA1 {
                    (&mut krl.sha1, 20)
                } else {
                    (&mut krl.sha256, 32)
                };
                while !data.is_empty() {
                    let hash = data.string("hash")?;
                    if hash.len() != len {
                        return Err(format!("hash of {} bytes, not {len}", hash.len()));
                    }
                    list.push(hash.to_vec());
                }
            }
            // Signatures vouch for the file; ssh's client does not require them.
            SECTION_SIGNATURE => {}
            other => return Err(format!("unknown section type {other}")),
        }
    }
    Ok(krl)
}

fn cert_section(data: &mut Wire) -> Result<CertSection, String> {
    let ca_blob = data.string("CA key")?;
    let ca = if ca_blob.is_empty() {
        None
    } else {
        Some(key(ca_blob, "CA key")?)
    };
    data.string("reserved")?;
    let mut section = CertSection {
        ca,
        ..CertSection::default()
    };
    while !data.is_empty() {
        let kind = data.u8("certificate section type")?;
        let mut sub = Wire(data.string("certificate section")?);
        match kind {
            CERT_SERIAL_LIST => {
                while !sub.is_empty() {
                    let s = sub.u64("serial")?;
                    section.serials.push((s, s));
                }
            }
            CERT_SERIAL_RANGE => {
                let (lo, hi) = (sub.u64("serial")?, sub.u64("serial")?);
                if lo > hi {
                    return Err(format!("serial range {lo}-{hi} is reversed"));
                }
                section.serials.push((lo, hi));
            }
            CERT_SERIAL_BITMAP => {
                let offset = sub.u64("bitmap offset")?;
                let bitmap = sub.string("bitmap")?;
                // An mpint: big-endian, so bit 0 of the last byte is `offset`.
                for (i, byte) in bitmap.iter().rev().enumerate() {
                    for bit in 0..8u64 {
                        if byte & (1 << bit) != 0 {
                            let s = offset.saturating_add(i as u64 * 8 + bit);
                            section.serials.push((s, s));
                        }
                    }
                }
            }
            CERT_KEY_ID => {
                while !sub.is_empty() {
                    let id = sub.string("key id")?;
                    section
                        .key_ids
                        .push(String::from_utf8_lossy(id).into_owned());
                }
            }
            other => return Err(format!("unknown certificate section type {other:#x}")),
        }
    }
    Ok(section)
}

fn blob(key: &KeyData) -> Vec<u8> {
    PublicKey::new(key.clone(), "")
        .to_bytes()
        .unwrap_or_default()
}

impl Krl {
    /// Why `key` is revoked (the plain key: listed, or its hash listed), if it is.
    pub fn key_revoked(&self, key: &KeyData) -> Option<String> {
        if self.keys.contains(key) {
            return Some("listed as a revoked key".into());
        }
        let b = blob(key);
        if self
            .sha1
            .iter()
            .any(|h| h[..] == sha1::Sha1::digest(&b)[..])
        {
            return Some("listed by its SHA-1 hash".into());
        }
        if self
            .sha256
            .iter()
            .any(|h| h[..] == sha2::Sha256::digest(&b)[..])
        {
            return Some("listed by its SHA-256 hash".into());
        }
        None
    }

    /// Why the certificate is revoked: its serial or key id under its CA (or under any
    /// CA), if it is. The keys inside are checked with [`Krl::key_revoked`].
    pub fn cert_revoked(&self, cert: &Certificate) -> Option<String> {
        let signer = cert.signature_key();
        for section in &self.certs {
            if section.ca.as_ref().is_some_and(|ca| ca != signer) {
                continue;
            }
            let serial = cert.serial();
            // Serial 0 means "no serial": ssh never treats it as revoked.
            if serial != 0
                && section
                    .serials
                    .iter()
                    .any(|(lo, hi)| (*lo..=*hi).contains(&serial))
            {
                return Some(format!("certificate serial {serial} revoked"));
            }
            if section.key_ids.iter().any(|id| id == cert.key_id()) {
                return Some(format!("certificate key id {:?} revoked", cert.key_id()));
            }
        }
        None
    }
}
