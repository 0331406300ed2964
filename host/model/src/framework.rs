use serde::{Deserialize, Serialize};

/// Observability events that subscribers receive by type (SPEC §1), plus the plugin host's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum FrameworkEventType {
    RoomCreated,
    RoomClosed,
    RoomArchived,
    RoomPaused,
    RoomChannelAttached,
    RoomChannelDetached,
    RoomRefusedEvent,
    EventProcessed,
    EventBlocked,
    DeliverySucceeded,
    DeliveryFailed,
    DeliveryReceipt,
    BroadcastPartialFailure,
    ChainDepthExceeded,
    HookError,
    HookTimeout,
    IdentityResolved,
    IdentityTimeout,
    ProcessTimeout,
    CircuitBreakerOpened,
    CircuitBreakerClosed,
    ChannelConnected,
    ChannelDisconnected,
    SourceAttached,
    SourceDetached,
    SourceError,
    SourceExhausted,
    PluginLoaded,
    PluginReloaded,
    PluginFailed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_event_names_are_snake_case() {
        assert_eq!(
            serde_json::to_string(&FrameworkEventType::BroadcastPartialFailure).unwrap(),
            "\"broadcast_partial_failure\""
        );
        assert_eq!(
            serde_json::from_str::<FrameworkEventType>("\"plugin_reloaded\"").unwrap(),
            FrameworkEventType::PluginReloaded
        );
    }
}
