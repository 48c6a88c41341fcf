// Hostile and buggy JavaScript handlers (e2e/test/hostile.test.js): each must be
// contained while the hub keeps serving. Bound by their names, like any .js
// handler file in plugins/.
function t(d) { return d === 0 ? 1 : t(d - 1) + t(d - 1); }

module.exports = [
  { name: 'js:spin', handler: () => { for (;;) {} } },
  { name: 'js:regex', handler: () => /(a+)+$/.test('a'.repeat(40) + 'b') },
  { name: 'js:recurse', handler: () => t(40) },
  { name: 'js:overflow', handler: () => { const f = (n) => f(n + 1) + 1; return f(0); } },
  { name: 'js:oom', handler: () => { const a = []; for (;;) a.push('x'.repeat(1 << 16) + a.length); } },
  { name: 'js:throw', handler: () => { throw new Error('boom'); } },
  { name: 'js:never', handler: () => new Promise(() => {}) },
  { name: 'js:join', handler: () => Array.prototype.join.call({ length: 2 ** 31 }, 'x').length },
  { name: 'js:log', handler: (ctx) => { for (let i = 0; i < 1e6; i++) console.log('flood', i); console.log('y'.repeat(15 << 20)); } },
  { name: 'js:echo', handler: (ctx, socket, x, ack) => ack(['ok', x]) },
];
