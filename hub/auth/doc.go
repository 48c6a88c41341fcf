// Package auth turns the token a Socket.IO client sends in its handshake
// (auth.token) into an Identity: the role room the socket joins, the user id, the
// verified claims and, when the hub is wired to Strapi, the Strapi user.
//
// It reproduces strapi-plugin-io's handshake rules (DESIGN.md section 1): no token
// means the public role; a valid users-permissions JWT means the user's role; a bad,
// expired or not-yet-valid token is "Invalid token."; a blocked user, or an
// unconfirmed one while confirmation is required, is "Invalid credentials". Errors
// returned by Authenticate always match (errors.Is) one of the clienterr sentinels,
// so the hub can send the client the sentinel's text and nothing else.
//
// Verification is local when a key is configured (auth.jwtSecret and/or
// auth.publicKeyFile): golang-jwt with an explicit algorithm allow-list and a key
// chosen by algorithm family, so a public key can never be used as an HMAC secret.
// With [strapi] url set, the hub also asks Strapi for the user, because Strapi's
// JWTs carry no role and only Strapi knows whether a user was blocked after the
// token was issued: with strapi.apiToken and a locally verified token, GET
// /api/users/:id?populate=role with the hub's token (cached per user id);
// otherwise GET /api/users/me?populate=role with the client's token (cached per
// token). ForgetUser drops what is cached about a user when Strapi says it
// changed. Strapi v5's refresh-mode access tokens ({userId, sessionId, type})
// work like v4's {id}; refresh tokens are refused.
package auth
