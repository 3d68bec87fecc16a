//! OpenSSH's escape for a hung session: `~.` typed at the start of a line ends it. Only
//! `~.` and `~~` (one literal `~`) are taken; `~` before anything else passes through with
//! that byte, so a tilde typed mid-line or followed by a letter reaches the remote as typed.
//! Pure, so a read split anywhere (even between `~` and `.`) behaves the same.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscapeScanner {
    at_line_start: bool,
    held_tilde: bool,
}

/// What one chunk of keyboard input becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// Bytes to send to the remote, in order.
    pub forward: Vec<u8>,
    /// `~.` was typed: end the session (bytes after it are dropped).
    pub disconnect: bool,
}

impl Default for EscapeScanner {
    fn default() -> Self {
        // A session starts at the beginning of a line, as in OpenSSH.
        EscapeScanner {
            at_line_start: true,
            held_tilde: false,
        }
    }
}

impl EscapeScanner {
    pub fn feed(&mut self, input: &[u8]) -> Scanned {
        let mut forward = Vec::with_capacity(input.len() + 1);
        for &b in input {
            if self.held_tilde {
                self.held_tilde = false;
                match b {
                    b'.' => {
                        return Scanned {
                            forward,
                            disconnect: true,
                        };
                    }
                    b'~' => {
                        forward.push(b'~');
                        self.at_line_start = false;
                        continue;
                    }
                    _ => forward.push(b'~'),
                }
            } else if self.at_line_start && b == b'~' {
                self.held_tilde = true;
                continue;
            }
            forward.push(b);
            self.at_line_start = b == b'\r' || b == b'\n';
        }
        Scanned {
            forward,
            disconnect: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(chunks: &[&[u8]]) -> (Vec<u8>, bool) {
        let mut s = EscapeScanner::default();
        let mut out = Vec::new();
        for c in chunks {
            let r = s.feed(c);
            out.extend(r.forward);
            if r.disconnect {
                return (out, true);
            }
        }
        (out, false)
    }

    #[test]
    fn tilde_dot_after_enter_disconnects_even_split_across_reads() {
        assert_eq!(feed_all(&[b"ls\r~.rest"]), (b"ls\r".to_vec(), true));
        assert_eq!(feed_all(&[b"ls\r", b"~", b"."]), (b"ls\r".to_vec(), true));
        assert_eq!(feed_all(&[b"~."]), (Vec::new(), true));
    }

    #[test]
    fn tilde_mid_line_or_before_other_keys_passes_through() {
        assert_eq!(feed_all(&[b"cd ~.x"]), (b"cd ~.x".to_vec(), false));
        assert_eq!(feed_all(&[b"\r~/bin"]), (b"\r~/bin".to_vec(), false));
        assert_eq!(feed_all(&[b"\r~", b"x"]), (b"\r~x".to_vec(), false));
    }

    #[test]
    fn double_tilde_sends_one_and_does_not_arm_a_dot() {
        assert_eq!(feed_all(&[b"\n~~."]), (b"\n~.".to_vec(), false));
    }

    #[test]
    fn raw_bytes_pass_untouched() {
        let input = "é\x1b[A\x01\x03ü".as_bytes();
        let mut s = EscapeScanner::default();
        s.feed(b"x");
        assert_eq!(s.feed(input).forward, input);
    }
}
