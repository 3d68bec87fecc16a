//! Who is acting, for the audit trail: the real user behind the process, and the client
//! address when the session came in over SSH (a shared bastion).
//!
//! The user comes from the real uid, never from `USER` or `LOGNAME`, which anyone can
//! set. `SUDO_USER` counts only when sudo really ran us: the real uid is root (so the
//! variables were set by root, who could act as anyone anyway) and `SUDO_UID` is that
//! user's uid in `/etc/passwd`.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user: String,
    pub origin: String,
}

/// The variables the actor rules look at; everything else in the environment is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorEnv {
    pub sudo_user: Option<String>,
    pub sudo_uid: Option<String>,
    pub ssh_connection: Option<String>,
}

impl ActorEnv {
    fn from_process() -> ActorEnv {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        ActorEnv {
            sudo_user: var("SUDO_USER"),
            sudo_uid: var("SUDO_UID"),
            ssh_connection: var("SSH_CONNECTION"),
        }
    }
}

impl Actor {
    pub fn from_env() -> Actor {
        let uid = rustix::process::getuid().as_raw();
        // Unreadable passwd: names fall back to "uid:N", still the truth.
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        Actor::resolve(uid, &passwd, &ActorEnv::from_process())
    }

    /// The rules, as a pure function of the real uid, the text of `/etc/passwd` and the
    /// environment.
    pub fn resolve(uid: u32, passwd: &str, env: &ActorEnv) -> Actor {
        let own = user_name(passwd, uid).unwrap_or_else(|| format!("uid:{uid}"));
        let user = if uid == 0 {
            sudo_user(passwd, env).unwrap_or(own)
        } else {
            own
        };
        // SSH_CONNECTION is "client_ip client_port server_ip server_port".
        let origin = env
            .ssh_connection
            .as_deref()
            .and_then(|s| s.split_whitespace().next().map(|ip| format!("ssh:{ip}")))
            .unwrap_or_else(|| "local".into());
        Actor { user, origin }
    }
}

/// `SUDO_USER` when `SUDO_UID` is exactly its uid in passwd.
fn sudo_user(passwd: &str, env: &ActorEnv) -> Option<String> {
    let name = env.sudo_user.as_deref()?;
    let uid: u32 = env.sudo_uid.as_deref()?.parse().ok()?;
    (user_name(passwd, uid)? == name).then(|| name.to_string())
}

/// The first passwd entry with this uid (`name:password:uid:gid:...`).
fn user_name(passwd: &str, uid: u32) -> Option<String> {
    passwd_entry(passwd, uid).map(|(name, _)| name)
}

/// Name and home directory of the first passwd entry with this uid.
pub fn passwd_entry(passwd: &str, uid: u32) -> Option<(String, String)> {
    passwd
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            let name = *fields.first()?;
            let entry_uid: u32 = fields.get(2)?.trim().parse().ok()?;
            let home = fields.get(5).copied().unwrap_or_default();
            (entry_uid == uid && !name.is_empty()).then(|| (name.to_string(), home.to_string()))
        })
}

#[cfg(test)]
mod tests;
