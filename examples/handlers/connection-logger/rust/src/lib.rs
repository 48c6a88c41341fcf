//! Logs every new connection at info:
//! `[io] new connection with id <socket id>`.

use iohub::{Event, Kind};

fn on_event(ev: &Event) {
    if ev.kind == Kind::Connection {
        let mut line = String::from("[io] new connection with id ");
        line.push_str(&ev.socket_id);
        iohub::info(&line);
    }
}

iohub::handler!(on_event);
