import base from './playwright.config';
const port = 4179;
export default {
  ...base,
  use: { ...base.use, baseURL: `http://127.0.0.1:${port}/` },
  webServer: { ...base.webServer, command: `npm run build && npx vite preview --host 127.0.0.1 --port ${port} --strictPort`, url: `http://127.0.0.1:${port}/` },
};
