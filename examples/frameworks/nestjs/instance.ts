// The HTTP adapter's instance (an Express app) for Narwhal to serve: `narwhal dist/instance.js`.
import { createApp } from './create-app';

export = createApp().then(async (app) => {
  await app.init();
  return app.getHttpAdapter().getInstance();
});
