//! Who is acting, for the audit trail: the admin behind `sudo`, and the client address
//! when the session came in over SSH (a shared bastion).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user: String,
    pub origin: String,
}

impl Actor {
    pub fn from_env() -> Actor {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Actor::from_vars(
            var("SUDO_USER"),
            var("USER").or_else(|| var("LOGNAME")),
            var("SSH_CONNECTION"),
        )
    }

    fn from_vars(sudo_user: Option<String>, user: Option<String>, ssh: Option<String>) -> Actor {
        let user = sudo_user.or(user).unwrap_or_else(|| "unknown".into());
        // SSH_CONNECTION is "client_ip client_port server_ip server_port".
        let origin = ssh
            .and_then(|s| s.split_whitespace().next().map(|ip| format!("ssh:{ip}")))
            .unwrap_or_else(|| "local".into());
        Actor { user, origin }
    }
}

#[cfg(test)]
mod tests {
    use super::Actor;

    #[test]
    fn sudo_user_wins_and_ssh_client_is_the_origin() {
        let a = Actor::from_vars(
            Some("alice".into()),
            Some("root".into()),
            Some("192.0.2.7 51234 192.0.2.1 22".into()),
        );
        assert_eq!(a.user, "alice");
        assert_eq!(a.origin, "ssh:192.0.2.7");
        let b = Actor::from_vars(None, Some("bob".into()), None);
        assert_eq!((b.user.as_str(), b.origin.as_str()), ("bob", "local"));
        let c = Actor::from_vars(None, None, None);
        assert_eq!(c.user, "unknown");
    }
}
