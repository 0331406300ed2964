//! A wasm inbound router: directly, and routing messages of the pipeline into rooms.

use roomkit_kit::InboundMessage;
use roomkit_plugins::{Route, WasmInboundRouter};

use crate::fixtures::{PluginDir, engine, kit_routed_by, room_of};

const ROUTER: &str = "kind = \"inbound-router\"\n[config]\n\"sender.+44700\" = \"uk\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_router_answers_each_kind_of_route_and_names_itself_in_errors() {
    let dir = PluginDir::new();
    let path = dir.add_component("desk", "test-router", ROUTER);
    let router = WasmInboundRouter::load(&engine(), &path, None).unwrap();
    let route = |sender: &'static str, body: &'static str| {
        let router = &router;
        async move {
            router
                .route_message(&InboundMessage::text("sms", sender, body), "sms")
                .await
        }
    };
    assert_eq!(
        route("+1", "#billing please").await.unwrap(),
        Route::Room("billing".into())
    );
    assert_eq!(route("+1", "new room").await.unwrap(), Route::NewRoom);
    assert_eq!(
        route("+44700", "hi").await.unwrap(),
        Route::Room("uk".into())
    );
    assert_eq!(route("+1", "hi").await.unwrap(), Route::Default);
    assert_eq!(
        route("+1", "fail").await.unwrap_err().to_string(),
        "plugin desk: route: returned an error: test-router cannot route fail"
    );
    let trap = route("+1", "panic").await.unwrap_err().to_string();
    assert!(trap.starts_with("plugin desk: route: trap:"), "{trap}");
    assert_eq!(
        route("+1", "#after").await.unwrap(),
        Route::Room("after".into())
    );
    let stats = router.snapshot();
    assert_eq!(
        (stats.calls, stats.failures, stats.instantiations),
        (7, 2, 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_router_routes_messages_into_rooms_of_the_pipeline() {
    let dir = PluginDir::new();
    dir.add_component("desk", "test-router", ROUTER);
    let (kit, store, _directory) = kit_routed_by(dir.dir.path(), "desk").await;
    // route::default: the kit's default routing finds the only room bound to `sms`.
    assert_eq!(room_of(&kit, "+2", "hello").await, "r");
    // A failing router falls back to default routing: nothing is lost.
    assert_eq!(room_of(&kit, "+3", "fail").await, "r");
    // route::room: into a room that did not exist, created and bound to the sender.
    assert_eq!(room_of(&kit, "+4", "#support help").await, "support");
    let support = store.get_binding("support", "sms").await.unwrap().unwrap();
    assert_eq!(support.participant_id.as_deref(), Some("+4"));
    assert_eq!(room_of(&kit, "+5", "#support me too").await, "support");
    // The sender's channel_attached record, then two messages.
    assert_eq!(kit.get_room("support").await.unwrap().event_count, 3);
    // route::new-room: a fresh room each time.
    let first = room_of(&kit, "+6", "new room").await;
    let second = room_of(&kit, "+6", "new room").await;
    assert!(![first.as_str(), second.as_str()].contains(&"r"));
    assert_ne!(first, second);
    // The room's two channel_attached records, then two messages.
    assert_eq!(kit.get_room("r").await.unwrap().event_count, 4);
}
