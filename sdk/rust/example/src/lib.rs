//! Echo: answers a client event that asks for an ack with
//! `[{"lang":"rust","event":<event name>,"args":<the args array verbatim>}]`.
//! Other kinds of event return 0. Binary arguments are placeholders in the
//! args (ABI v1.1), so the client gets its bytes back.

use iohub::{json, Event, Status};

fn on_event(ev: &Event) -> Result<Status, iohub::Error> {
    if ev.is_event() && ev.ack {
        let mut out = String::with_capacity(40 + ev.name.len() + ev.args.len());
        out.push_str(r#"[{"lang":"rust","event":"#);
        json::quote_into(&mut out, &ev.name);
        out.push_str(r#","args":"#);
        out.push_str(ev.args);
        out.push_str("}]");
        iohub::reply(&out)?;
    }
    Ok(Status::Ok)
}

iohub::handler!(on_event);
