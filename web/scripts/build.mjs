// Vendors the socket.io-client browser bundle into the chat page the Rasa server serves
// (bot/web/static/vendor/). The page's own files (index.html, chat.js, chat.css) are edited in
// bot/web/static/ directly: there is nothing to build for them.
//
//   npm run build   copies the socket.io-client bundle and its licence into bot/web/static/vendor/
//   npm run check   exits 1 when bot/web/static/ is out of date (nothing is written)
//
// The output is committed, so the Python server never needs node or npm at run time.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = resolve(webDir, "..", "bot", "web", "static");
const checkOnly = process.argv.includes("--check");

const files = [];
const sio = join(webDir, "node_modules", "socket.io-client");
files.push([join(sio, "dist", "socket.io.min.js"), join(outDir, "vendor", "socket.io.min.js")]);
files.push([join(sio, "LICENSE"), join(outDir, "vendor", "socket.io-client.LICENSE")]);

const digest = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");
let stale = 0;
for (const [src, dst] of files) {
  if (!existsSync(src)) {
    console.error(`missing ${src} (run "npm ci" in web/ first)`);
    process.exit(2);
  }
  if (existsSync(dst) && digest(src) === digest(dst)) continue;
  stale += 1;
  if (checkOnly) {
    console.error(`out of date: ${dst}`);
  } else {
    mkdirSync(dirname(dst), { recursive: true });
    copyFileSync(src, dst);
    console.log(`wrote ${dst}`);
  }
}
if (checkOnly && stale) process.exit(1);
