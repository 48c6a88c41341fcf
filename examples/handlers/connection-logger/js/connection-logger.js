// strapi-plugin-io's seed handler, from its README, as it is: drop this file
// into plugins/ and the hub logs "[io] new connection with id <id>" for every
// accepted socket. No hub.toml entry is needed: the file binds itself to the
// events its entries name.
module.exports = [
  {
    name: 'connection',
    handler: ({ strapi }, socket) => {
      strapi.log.info(`[io] new connection with id ${socket.id}`);
    },
  },
];
