// A stand-in for the model hub on 127.0.0.1, used by ops/tools/test-scripts.sh to test fetch-model.sh
// without internet access. It answers like Hugging Face does for a file stored with Git LFS:
//   HEAD/GET /<owner>/<repo>/resolve/<revision>/<name>  -> 302 to /blobs/<name>, with X-Linked-Size and
//                                                          X-Linked-Etag (the SHA-256) headers; 404 otherwise
//   GET /blobs/<name>                                   -> the bytes, honouring "Range: bytes=N-"
// With --cut-first, the first body download is cut off half-way (to exercise resuming).
//
// Usage: node fake-hub.mjs --file PATH --name NAME [--cut-first]   (prints the port, then serves)
import http from "node:http";
import fs from "node:fs";
import crypto from "node:crypto";

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const file = opt("--file");
const name = opt("--name");
let cut = args.includes("--cut-first");
if (!file || !name) {
  console.error("usage: node fake-hub.mjs --file PATH --name NAME [--cut-first]");
  process.exit(2);
}
const body = fs.readFileSync(file);
const sha = crypto.createHash("sha256").update(body).digest("hex");

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  const resolve = url.pathname.match(/^\/[^/]+\/[^/]+\/resolve\/[^/]+\/(.+)$/);
  if (resolve) {
    if (resolve[1] !== name) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      return res.end("Entry not found");
    }
    res.writeHead(302, {
      Location: `/blobs/${name}`,
      "X-Linked-Size": String(body.length),
      "X-Linked-Etag": `"${sha}"`,
      "X-Repo-Commit": "0123456789abcdef0123456789abcdef01234567",
    });
    return res.end();
  }
  if (url.pathname === `/blobs/${name}`) {
    const range = (req.headers.range || "").match(/^bytes=(\d+)-$/);
    const start = range ? Number(range[1]) : 0;
    if (start >= body.length) {
      res.writeHead(416, { "Content-Range": `bytes */${body.length}` });
      return res.end();
    }
    const headers = { "Content-Type": "application/octet-stream", "Content-Length": String(body.length - start), "Accept-Ranges": "bytes" };
    if (range) headers["Content-Range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === "HEAD") return res.end();
    if (cut) {
      cut = false;
      res.write(body.subarray(start, start + Math.floor((body.length - start) / 2)));
      return setTimeout(() => res.socket.destroy(), 50);
    }
    return res.end(body.subarray(start));
  }
  res.writeHead(404);
  res.end();
});
server.listen(0, "127.0.0.1", () => {
  console.log(server.address().port);
});
// Never outlive the test: stop after two minutes whatever happens.
setTimeout(() => process.exit(0), 120_000).unref();
