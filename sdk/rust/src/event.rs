//! The event envelope (ABI.md section 4).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::json::{self, Items, Members};
use crate::Error;

/// What the event is about (`kind` of the envelope).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A socket passed the handshake.
    Connection,
    /// A socket disconnected; see [`Event::reason`].
    Disconnect,
    /// A client event; see [`Event::name`] and [`Event::args`].
    Event,
    /// A kind this SDK does not know (a newer hub).
    Other,
}

/// One event, borrowed from the envelope the hub passed in.
///
/// String fields are borrowed from the envelope unless they contain JSON
/// escapes. `args`, `rooms` and `user` are raw JSON texts; read them with
/// [`Event::arg`] and the [`json`](crate::json) helpers.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    /// Envelope version (`1`).
    pub v: i64,
    /// `connection`, `disconnect` or `event`.
    pub kind: Kind,
    /// `"connection"`, `"disconnect"`, or the client's event name.
    pub name: Cow<'a, str>,
    /// The client's arguments verbatim, a JSON array (`[]` for connection and
    /// disconnect). Never includes the ack callback.
    pub args: &'a str,
    /// True when the client asked for an acknowledgement (see [`crate::reply`]).
    pub ack: bool,
    /// The socket id (also a room).
    pub socket_id: Cow<'a, str>,
    /// The socket's role (also a room).
    pub role: Cow<'a, str>,
    /// The user id as a string, `""` for anonymous sockets.
    pub user_id: Cow<'a, str>,
    /// The rooms the socket is in, a JSON array of strings.
    pub rooms: &'a str,
    /// The verified token's claims, a JSON object, or `null` when anonymous.
    pub user: &'a str,
    /// The disconnect reason, `""` otherwise.
    pub reason: Cow<'a, str>,
    /// When the hub received the event, Unix milliseconds.
    pub ts: i64,
    /// The whole envelope.
    pub raw: &'a str,
}

fn string<'a>(raw: &'a str) -> Result<Cow<'a, str>, Error> {
    json::as_str(raw).ok_or(Error::Invalid)
}

fn int(raw: &str) -> Result<i64, Error> {
    json::as_int(raw).ok_or(Error::Invalid)
}

impl<'a> Event<'a> {
    /// Parses an envelope. Keys may come in any order, unknown keys are
    /// skipped, absent ones keep their defaults (`[]`, `null`, `""`, `0`,
    /// `false`). `Err(Error::Invalid)` when the text is not a well-formed
    /// object or a known key has a value of the wrong type.
    pub fn parse(envelope: &'a str) -> Result<Event<'a>, Error> {
        let mut ev = Event {
            v: 0,
            kind: Kind::Other,
            name: Cow::Borrowed(""),
            args: "[]",
            ack: false,
            socket_id: Cow::Borrowed(""),
            role: Cow::Borrowed(""),
            user_id: Cow::Borrowed(""),
            rooms: "[]",
            user: "null",
            reason: Cow::Borrowed(""),
            ts: 0,
            raw: envelope,
        };
        let mut top = json::members(envelope);
        while let Some((key, val)) = top.step().map_err(|_| Error::Invalid)? {
            match &*key {
                "v" => ev.v = int(val)?,
                "kind" => {
                    ev.kind = match &*string(val)? {
                        "connection" => Kind::Connection,
                        "disconnect" => Kind::Disconnect,
                        "event" => Kind::Event,
                        _ => Kind::Other,
                    }
                }
                "event" => ev.name = string(val)?,
                "args" => {
                    if !val.starts_with('[') {
                        return Err(Error::Invalid);
                    }
                    ev.args = val
                }
                "ack" => ev.ack = json::as_bool(val).ok_or(Error::Invalid)?,
                "reason" => ev.reason = string(val)?,
                "ts" => ev.ts = int(val)?,
                "socket" => ev.parse_socket(val)?,
                _ => {}
            }
        }
        Ok(ev)
    }

    fn parse_socket(&mut self, obj: &'a str) -> Result<(), Error> {
        let mut m: Members<'a> = json::members(obj);
        while let Some((key, val)) = m.step().map_err(|_| Error::Invalid)? {
            match &*key {
                "id" => self.socket_id = string(val)?,
                "role" => self.role = string(val)?,
                "userId" => self.user_id = string(val)?,
                "rooms" => self.rooms = val,
                "user" => self.user = val,
                _ => {}
            }
        }
        Ok(())
    }

    /// Raw JSON of argument `i` (`None` past the end).
    pub fn arg(&self, i: usize) -> Option<&'a str> {
        json::item(self.args, i)
    }

    /// The arguments one by one, as raw JSON.
    pub fn arg_iter(&self) -> Items<'a> {
        json::items(self.args)
    }

    /// String member `key` of the object that is argument `i`, decoded:
    /// `ev.arg_str(0, "room")` for `socket.emit("x", {room: "lobby"})`.
    pub fn arg_str(&self, i: usize, key: &str) -> Option<Cow<'a, str>> {
        json::field_str(self.arg(i)?, key)
    }

    /// Number member `key` of the object that is argument `i`.
    pub fn arg_f64(&self, i: usize, key: &str) -> Option<f64> {
        json::field_f64(self.arg(i)?, key)
    }

    /// Integral number member `key` of the object that is argument `i`.
    pub fn arg_i64(&self, i: usize, key: &str) -> Option<i64> {
        json::field_i64(self.arg(i)?, key)
    }

    /// The bytes of argument `i` when it is binary (a placeholder, ABI v1.1);
    /// `None` otherwise. Binary inside an argument:
    /// `json::as_placeholder(..)` then [`crate::binary`].
    pub fn arg_binary(&self, i: usize) -> Option<Vec<u8>> {
        crate::binary(json::as_placeholder(self.arg(i)?)?).ok()
    }

    /// A claim of the socket's token (raw JSON), `None` when anonymous or absent.
    pub fn claim(&self, key: &str) -> Option<&'a str> {
        json::field(self.user, key)
    }

    /// True if the socket is in `room`.
    pub fn in_room(&self, room: &str) -> bool {
        json::items(self.rooms).any(|r| json::as_str(r).map_or(false, |r| r == room))
    }

    /// `kind == Kind::Connection`
    pub fn is_connection(&self) -> bool {
        self.kind == Kind::Connection
    }

    /// `kind == Kind::Disconnect`
    pub fn is_disconnect(&self) -> bool {
        self.kind == Kind::Disconnect
    }

    /// `kind == Kind::Event`
    pub fn is_event(&self) -> bool {
        self.kind == Kind::Event
    }

    /// True for a socket without a user (empty `userId`).
    pub fn is_anonymous(&self) -> bool {
        self.user_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"v":1,"kind":"event","event":"chat:send",
 "args":[{"room":"lobby","text":"hi \"you\"","n":2}],
 "ack":true,
 "socket":{"id":"Xy3","role":"Authenticated","userId":"7","rooms":["Xy3","Authenticated","user:7"],"user":{"id":7,"iat":1700000000,"exp":1700003600}},
 "reason":"",
 "ts":1764066000123}"#;

    #[test]
    fn sample() {
        let ev = Event::parse(SAMPLE).unwrap();
        assert_eq!(ev.v, 1);
        assert_eq!(ev.kind, Kind::Event);
        assert!(ev.is_event());
        assert_eq!(ev.name, "chat:send");
        assert_eq!(ev.args, r#"[{"room":"lobby","text":"hi \"you\"","n":2}]"#);
        assert!(ev.ack);
        assert_eq!(ev.socket_id, "Xy3");
        assert_eq!(ev.role, "Authenticated");
        assert_eq!(ev.user_id, "7");
        assert_eq!(ev.rooms, r#"["Xy3","Authenticated","user:7"]"#);
        assert_eq!(ev.user, r#"{"id":7,"iat":1700000000,"exp":1700003600}"#);
        assert_eq!(ev.reason, "");
        assert_eq!(ev.ts, 1764066000123);
        assert_eq!(ev.arg_str(0, "room").as_deref(), Some("lobby"));
        assert_eq!(ev.arg_str(0, "text").as_deref(), Some("hi \"you\""));
        assert_eq!(ev.arg_i64(0, "n"), Some(2));
        assert_eq!(ev.arg_f64(0, "n"), Some(2.0));
        assert_eq!(ev.arg(1), None);
        assert_eq!(ev.arg_iter().count(), 1);
        assert_eq!(ev.claim("exp"), Some("1700003600"));
        assert!(ev.in_room("user:7"));
        assert!(!ev.in_room("user:8"));
        assert!(!ev.is_anonymous());
    }

    #[test]
    fn kinds_and_defaults() {
        let cases: &[(&str, Kind, &str, &str, &str, bool)] = &[
            (
                r#"{"v":1,"kind":"connection","event":"connection","args":[],"ack":false,"socket":{"id":"a","role":"Public","userId":"","rooms":["a","Public"],"user":null},"reason":"","ts":5}"#,
                Kind::Connection, "connection", "a", "", false,
            ),
            (
                r#"{"v":1,"kind":"disconnect","event":"disconnect","args":[],"ack":false,"socket":{"id":"b","role":"Public","userId":"","rooms":[],"user":null},"reason":"transport close","ts":6}"#,
                Kind::Disconnect, "disconnect", "b", "transport close", false,
            ),
            // any key order, whitespace, unknown keys (also nested ones with tricky strings)
            (
                " {\"ts\":7,\"future\":{\"kind\":\"x\",\"s\":\"}\\\"{\"},\"ack\" : true , \"event\":\"a\\u00e9\\\"b\",\"kind\":\"event\",\"socket\":{\"extra\":[1,{\"id\":\"no\"}],\"id\":\"c\\/d\"},\"args\":[\"}\",{\"x\":[]}]} ",
                Kind::Event, "aé\"b", "c/d", "", true,
            ),
            (r#"{"kind":"somethingNew"}"#, Kind::Other, "", "", "", false),
            (r#"{}"#, Kind::Other, "", "", "", false),
        ];
        for (src, kind, name, sid, reason, ack) in cases {
            let ev = Event::parse(src).unwrap_or_else(|e| panic!("{:?}: {:?}", src, e));
            assert_eq!(ev.kind, *kind, "{}", src);
            assert_eq!(ev.name, *name, "{}", src);
            assert_eq!(ev.socket_id, *sid, "{}", src);
            assert_eq!(ev.reason, *reason, "{}", src);
            assert_eq!(ev.ack, *ack, "{}", src);
        }
        let ev = Event::parse(cases[0].0).unwrap();
        assert!(ev.is_anonymous());
        assert!(json::is_null(ev.user));
        assert_eq!(ev.claim("id"), None);
        let ev = Event::parse("{}").unwrap();
        assert_eq!((ev.args, ev.rooms, ev.user, ev.ts), ("[]", "[]", "null", 0));
        let ev = Event::parse(cases[2].0).unwrap();
        assert_eq!(ev.ts, 7);
        assert_eq!(ev.args, r#"["}",{"x":[]}]"#);
        assert_eq!(ev.arg(0).and_then(json::as_str).as_deref(), Some("}"));
    }

    #[test]
    fn malformed() {
        let cases = [
            "",
            "null",
            "[]",
            r#"{"v":1,"kind":"event""#,
            r#"{"v":1,"kind":"event","#,
            r#"{"v":1,"kind":"event","args":[1,2"#,
            r#"{"v":1,"kind":"event","args":"notarray"}"#,
            r#"{"v":"1"}"#,
            r#"{"kind":1}"#,
            r#"{"ack":"yes"}"#,
            r#"{"ts":1.5}"#,
            r#"{"socket":{"id":7}}"#,
            r#"{"socket":{"id":"a""#,
            r#"{"socket":[]}"#,
            r#"{"event":"unterminated}"#,
            r#"{"event":"bad \q escape"}"#,
        ];
        for s in cases {
            assert!(Event::parse(s).is_err(), "accepted {:?}", s);
        }
        // every truncation of a valid envelope is refused, never a panic
        for i in 0..SAMPLE.len() {
            if SAMPLE.is_char_boundary(i) {
                assert!(
                    Event::parse(&SAMPLE[..i]).is_err(),
                    "accepted truncation at {}",
                    i
                );
            }
        }
    }
}
