//! A container's healthcheck as the engine's container list reports it. Docker puts it
//! at the end of the human status ("Up 5 minutes (unhealthy)"); API 1.52 and later also
//! send a `Health` object. Reading the list is enough: no per-container inspect.

use bollard::models::{ContainerSummaryHealth, ContainerSummaryHealthStatusEnum};

use crate::fleet::docker::ContainerHealth;

/// The health carried by a human status. Docker appends it in parentheses to a running
/// container's status only: "(healthy)", "(unhealthy)", "(health: starting)". Anything
/// else in parentheses ("(Paused)") or no parentheses at the end means none.
pub fn from_status(status: &str) -> Option<ContainerHealth> {
    let (_, inner) = status.trim_end().strip_suffix(')')?.rsplit_once('(')?;
    match inner.trim() {
        "healthy" => Some(ContainerHealth::Healthy),
        "unhealthy" => Some(ContainerHealth::Unhealthy),
        "health: starting" => Some(ContainerHealth::Starting),
        _ => None,
    }
}

/// The container's health: the engine's `Health` object when it names a status, else
/// what the human status says (engines before API 1.52 send no object).
pub fn of_summary(
    status: &str,
    reported: Option<&ContainerSummaryHealth>,
) -> Option<ContainerHealth> {
    let structured = reported.and_then(|h| h.status).and_then(|s| match s {
        ContainerSummaryHealthStatusEnum::HEALTHY => Some(ContainerHealth::Healthy),
        ContainerSummaryHealthStatusEnum::UNHEALTHY => Some(ContainerHealth::Unhealthy),
        ContainerSummaryHealthStatusEnum::STARTING => Some(ContainerHealth::Starting),
        ContainerSummaryHealthStatusEnum::NONE | ContainerSummaryHealthStatusEnum::EMPTY => None,
    });
    structured.or_else(|| from_status(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_as_docker_prints_them() {
        use ContainerHealth::*;
        // As the engine builds them: "Up " + a go-units duration + the health, if any.
        let cases = [
            ("Up 5 minutes (unhealthy)", Some(Unhealthy)),
            ("Up About a minute (healthy)", Some(Healthy)),
            ("Up 2 seconds (health: starting)", Some(Starting)),
            ("Up Less than a second (health: starting)", Some(Starting)),
            ("Up 3 hours (healthy) ", Some(Healthy)),
            ("Up 3 hours", None),
            ("Up 7 minutes (Paused)", None),
            ("Exited (0) 2 minutes ago", None),
            ("Exited (137) About an hour ago", None),
            ("Restarting (1) 4 seconds ago", None),
            ("Created", None),
            ("Dead", None),
            ("Removal In Progress", None),
            ("", None),
            ("unhealthy)", None),
        ];
        for (status, want) in cases {
            assert_eq!(from_status(status), want, "{status:?}");
        }
    }

    #[test]
    fn the_health_object_wins_when_it_names_a_status() {
        let object = |status| ContainerSummaryHealth {
            status: Some(status),
            failing_streak: Some(3),
        };
        assert_eq!(
            of_summary(
                "Up 1 minute (healthy)",
                Some(&object(ContainerSummaryHealthStatusEnum::UNHEALTHY))
            ),
            Some(ContainerHealth::Unhealthy)
        );
        assert_eq!(
            of_summary(
                "Up 1 minute",
                Some(&object(ContainerSummaryHealthStatusEnum::NONE))
            ),
            None
        );
        // An object without a status, or none at all: the human status decides.
        assert_eq!(
            of_summary(
                "Up 1 minute (health: starting)",
                Some(&ContainerSummaryHealth::default())
            ),
            Some(ContainerHealth::Starting)
        );
        assert_eq!(
            of_summary("Up 1 minute (unhealthy)", None),
            Some(ContainerHealth::Unhealthy)
        );
    }
}
