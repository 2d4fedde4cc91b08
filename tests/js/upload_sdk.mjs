// Uploads a file to a SAS URL with the Azure Storage SDK for JavaScript (@azure/storage-blob),
// the way Node-based Store tooling does, then reads it back through the SDK.
//
// Usage: node upload_sdk.mjs <sas-url> <file> <single|blocks>
//   single: one Put Blob (the SDK's default below 256 MiB)
//   blocks: 256 KiB blocks (Put Block x N + Put Block List)
import { readFile } from "node:fs/promises";
import { BlockBlobClient } from "@azure/storage-blob";

const [url, file, mode] = process.argv.slice(2);
if (!url || !file || !["single", "blocks"].includes(mode)) {
  console.error("usage: node upload_sdk.mjs <sas-url> <file> <single|blocks>");
  process.exit(2);
}

const data = await readFile(file);
const client = new BlockBlobClient(url);
const options =
  mode === "single"
    ? { maxSingleShotSize: 256 * 1024 * 1024 }
    : { maxSingleShotSize: 1024 * 1024, blockSize: 256 * 1024, concurrency: 4 };
const result = await client.uploadData(data, options);
if (!result.etag) {
  throw new Error(`upload returned no etag: ${JSON.stringify(result)}`);
}

const back = await client.downloadToBuffer();
if (Buffer.compare(back, data) !== 0) {
  throw new Error(`downloaded ${back.length} bytes differ from the ${data.length} uploaded`);
}
const blocks = await client.getBlockList("committed");
const expected = mode === "single" ? 0 : Math.ceil(data.length / (256 * 1024));
if ((blocks.committedBlocks ?? []).length !== expected) {
  throw new Error(`${(blocks.committedBlocks ?? []).length} committed blocks, expected ${expected}`);
}
console.log(`${mode}: ${data.length} bytes uploaded and verified`);
