//! `roomkit:plugin/room-context`: the room, its bindings and its recent events, read through
//! the [`RoomCtx`] resource the runtime lends to a call.

use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

use crate::bindings::{RoomCtx, room_context, wit};
use crate::convert::{binding_to_wit, event_to_wit};

/// What `room-context` needs of a plugin's state: the table holding lent contexts.
pub(crate) struct RoomContextImports<'a> {
    pub(crate) table: &'a mut ResourceTable,
}

impl room_context::Host for RoomContextImports<'_> {}

impl room_context::HostContext for RoomContextImports<'_> {
    async fn room(&mut self, this: Resource<RoomCtx>) -> wasmtime::Result<wit::RoomView> {
        let room = &self.table.get(&this)?.ctx.room;
        Ok(wit::RoomView {
            id: room.id.clone(),
            organization_id: room.organization_id.clone(),
            status: room.status.as_str().to_owned(),
            event_count: room.event_count,
            metadata: serde_json::to_string(&room.metadata)?,
        })
    }

    async fn bindings(
        &mut self,
        this: Resource<RoomCtx>,
    ) -> wasmtime::Result<Vec<wit::BindingView>> {
        let bindings = &self.table.get(&this)?.ctx.bindings;
        Ok(bindings.iter().map(binding_to_wit).collect())
    }

    async fn recent_events(
        &mut self,
        this: Resource<RoomCtx>,
        limit: u32,
    ) -> wasmtime::Result<Vec<wit::RoomEvent>> {
        let ctx = self.table.get(&this)?.ctx.clone();
        let events = ctx.recent_events().await?;
        let skip = events.len().saturating_sub(limit as usize);
        Ok(events[skip..].iter().map(event_to_wit).collect())
    }

    async fn drop(&mut self, this: Resource<RoomCtx>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

struct HasRoomContextImports;

impl HasData for HasRoomContextImports {
    type Data<'a> = RoomContextImports<'a>;
}

/// Links `room-context`, each call reaching the view `get` makes of the state.
pub(crate) fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> RoomContextImports<'_>,
) -> wasmtime::Result<()> {
    room_context::add_to_linker::<T, HasRoomContextImports>(linker, get)
}
