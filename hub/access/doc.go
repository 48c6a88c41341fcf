// Package access decides who may receive a content event.
//
// A content event is named by a Strapi-style permission string, "<uid>.<action>",
// for example "api::message.message.create". The Socket.IO event name clients listen
// for is "<apiName>:<action>" ("message:create"). A role receives the event when it
// holds the permission the action requires (see Required); in ModeRead, holding find
// or findOne on the uid is enough as well.
//
// The package is pure logic: no I/O, no logging, safe for concurrent use once built.
package access
