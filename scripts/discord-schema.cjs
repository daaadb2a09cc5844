#!/usr/bin/env node
// Checks request bodies against Discord's published schema: the zod schemas that the npm
// package discord-api-spec generates from Discord's OpenAPI description (installed by
// scripts/setup.sh from package-lock.json).
//
// Input, on stdin: one JSON object per line, {"schema": NAME, "body": BODY}, where NAME is
// an export of discord-api-spec/zod such as "IncomingWebhookUpdateRequestPartialSchema",
// or NAME followed by "[]" for an array of such bodies (the bulk overwrite of commands).
// Output, on stdout: one JSON line per input line, {"ok": true} or
// {"ok": false, "errors": ["path: message", ...]}.
//
// A field the schema does not define is an error too: zod objects drop unknown fields, so
// every field of the body must survive into the parsed value.
//
// Exit status: 0 when every line was answered (whatever the answers), 2 when the schema
// package cannot be loaded.
"use strict";

const readline = require("node:readline");

function pathText(path) {
  return path.length === 0 ? "(body)" : path.join(".");
}

function unknownFields(input, output, path, errors) {
  if (Array.isArray(input)) {
    if (Array.isArray(output)) {
      input.forEach((v, i) => unknownFields(v, output[i], path.concat(i), errors));
    }
    return;
  }
  if (input === null || typeof input !== "object") return;
  if (output === null || typeof output !== "object") return;
  for (const key of Object.keys(input)) {
    if (!Object.prototype.hasOwnProperty.call(output, key)) {
      errors.push(`${pathText(path.concat(key))}: not a field of the schema`);
    } else {
      unknownFields(input[key], output[key], path.concat(key), errors);
    }
  }
}

function checkOne(schema, body, path, errors) {
  const result = schema.safeParse(body);
  if (!result.success) {
    for (const issue of result.error.issues) {
      errors.push(`${pathText(path.concat(issue.path))}: ${issue.message}`);
    }
    return;
  }
  unknownFields(body, result.data, path, errors);
}

function check(spec, line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (e) {
    return { ok: false, errors: [`the input line is not JSON: ${e.message}`] };
  }
  const name = String(request.schema);
  const many = name.endsWith("[]");
  const exportName = many ? name.slice(0, -2) : name;
  const schema = spec[exportName];
  if (!schema || typeof schema.safeParse !== "function") {
    return { ok: false, errors: [`discord-api-spec has no schema named ${exportName}`] };
  }
  const errors = [];
  if (many) {
    if (!Array.isArray(request.body)) {
      return { ok: false, errors: ["(body): expected an array"] };
    }
    request.body.forEach((item, i) => checkOne(schema, item, [i], errors));
  } else {
    checkOne(schema, request.body, [], errors);
  }
  return errors.length === 0 ? { ok: true } : { ok: false, errors };
}

async function main() {
  let spec;
  try {
    spec = await import("discord-api-spec/zod");
    // zod/mini carries no messages of its own; load the English ones.
    const z = await import("zod/mini");
    z.config(z.locales.en());
  } catch (e) {
    process.stderr.write(
      `discord-schema: cannot load discord-api-spec/zod and zod (${e.message}); run scripts/setup.sh\n`,
    );
    process.exit(2);
  }
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    process.stdout.write(JSON.stringify(check(spec, line)) + "\n");
  }
}

main();
