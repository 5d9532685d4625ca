// Drives one real Node client, unmodified, through the key lifecycle against `unikms serve`.
//
//   node drive.js '{"client": "pop-core", "mode": "post", "endpoint": "127.0.0.1:PORT", ...}'
//
// Prints one JSON object: for each step {"ok": true, "value": ...} or
// {"ok": false, "code": "<the error code the client reported>"} or, when the client itself
// blew up instead of reporting an error, {"ok": false, "crash": "<what was thrown>"}.
// tests/test_clients_node.py asserts on it. Nothing here changes how a client signs or
// parses: only the process clock is moved back for the expired-timestamp step.
"use strict";

const cfg = JSON.parse(process.argv[2]);
const PLAINTEXT = Buffer.from("hello from node").toString("base64");
const CONTEXT = { purpose: "lifecycle", tenant: "a b" };
const WRONG_CONTEXT = { purpose: "other" };
const RealDate = Date;

// -- the process clock, moved back for one step -----------------------------------------
function withClockOffset(ms, fn) {
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + ms);
      else super(...args);
    }
    static now() {
      return RealDate.now() + ms;
    }
  }
  global.Date = ShiftedDate;
  return Promise.resolve()
    .then(fn)
    .finally(() => {
      global.Date = RealDate;
    });
}

// -- each client behind one small interface ------------------------------------------------
// call(action, params) -> the response body (PascalCase names, as the service sends them)
function alibabaPopCore(secret) {
  const RPCClient = require("@alicloud/pop-core");
  const client = new RPCClient({
    accessKeyId: cfg.accessKeyId,
    accessKeySecret: secret,
    endpoint: `http://${cfg.endpoint}`,
    apiVersion: "2016-01-20",
  });
  const method = cfg.mode.startsWith("post") ? "POST" : "GET";
  const opts = { method, timeout: 10000 };
  // "post-own-headers": a caller's own headers replace pop-core's defaults, x-acs-action
  // included, so the request carries its action only in the form body
  if (cfg.mode === "post-own-headers") opts.headers = { "x-unikms-test": "1" };
  return (action, params) => client.request(action, params, { ...opts });
}

function alibabaOpenApi(secret) {
  const OpenApi = require("@alicloud/openapi-client");
  const Util = require("@alicloud/tea-util");
  const algorithm = { "acs3-hmac-sha256": undefined, "acs3-hmac-sm3": "ACS3-HMAC-SM3", v1: "v2" }[
    cfg.mode
  ];
  const client = new OpenApi.default(
    new OpenApi.Config({
      accessKeyId: cfg.accessKeyId,
      accessKeySecret: secret,
      endpoint: cfg.endpoint,
      protocol: "http",
      regionId: "cn-hangzhou",
      signatureAlgorithm: algorithm,
    }),
  );
  return async (action, params) => {
    const spec = new OpenApi.Params({
      action,
      version: "2016-01-20",
      protocol: "HTTP",
      pathname: "/",
      method: "POST",
      authType: "AK",
      style: "RPC",
      reqBodyType: "formData",
      bodyType: "json",
    });
    const query = {};
    for (const [k, v] of Object.entries(params)) query[k] = String(v);
    const request = new OpenApi.OpenApiRequest({ query });
    const response = await client.callApi(spec, request, new Util.RuntimeOptions({}));
    return response.body;
  };
}

function alibabaKms(secret) {
  const Kms = require("@alicloud/kms20160120");
  const client = new Kms.default({
    accessKeyId: cfg.accessKeyId,
    accessKeySecret: secret,
    endpoint: cfg.endpoint,
    protocol: "http",
    regionId: "cn-hangzhou",
  });
  const lower = (s) => s[0].toLowerCase() + s.slice(1);
  const pascal = (value) => {
    if (Array.isArray(value)) return value.map(pascal);
    if (value && typeof value === "object") {
      const out = {};
      for (const [k, v] of Object.entries(value)) out[k[0].toUpperCase() + k.slice(1)] = pascal(v);
      return out;
    }
    return value;
  };
  return async (action, params) => {
    const fields = {};
    for (const [k, v] of Object.entries(params)) fields[lower(k)] = v;
    const request = new Kms[`${action}Request`](fields);
    const response = await client[lower(action)](request);
    const body = response.body === undefined ? response : response.body; // 1.x: no body wrapper
    return pascal(body.toMap ? body.toMap() : body);
  };
}

function tencentNode(secret) {
  const kms = require("tencentcloud-sdk-nodejs/tencentcloud/services/kms");
  const [sign, method] = cfg.mode.split("-");
  const signMethod = { tc3: "TC3-HMAC-SHA256", hmacsha256: "HmacSHA256", hmacsha1: "HmacSHA1" }[
    sign
  ];
  const client = new kms.kms.v20190118.Client({
    credential: { secretId: cfg.secretId, secretKey: secret },
    region: "ap-guangzhou",
    profile: {
      signMethod,
      httpProfile: {
        endpoint: cfg.endpoint,
        protocol: "http://",
        reqMethod: method.toUpperCase(),
        reqTimeout: 10,
      },
    },
  });
  return (action, params) => client[action](params);
}

const CLIENTS = {
  "pop-core": alibabaPopCore,
  "openapi-client": alibabaOpenApi,
  kms20160120: alibabaKms,
  "tencentcloud-sdk-nodejs": tencentNode,
};

// -- the lifecycle ---------------------------------------------------------------------------
function errorCode(err) {
  let code = err && (err.code || (err.data && err.data.Code));
  if (typeof code !== "string" || !code) return null;
  if (cfg.client === "kms20160120") code = code.replace(/Error$/, ""); // rpc-client appends it
  return code;
}

async function step(results, name, fn) {
  try {
    results[name] = { ok: true, value: await fn() };
  } catch (err) {
    const code = errorCode(err);
    results[name] = code
      ? { ok: false, code }
      : { ok: false, crash: `${(err && err.name) || typeof err}: ${err && err.message}` };
  }
}

// What differs between the two services' lifecycles; everything else is shared.
const ALIBABA = {
  createKey: (alias) => ["CreateKey", { Description: "made by node" }],
  keyIdOf: (body) => body.KeyMetadata.KeyId,
  alias: (keyId, alias) => ["CreateAlias", { KeyId: keyId, AliasName: alias }],
  encryptWith: (keyId, alias) => alias, // Alibaba encrypts by alias
  dataKey: (keyId) => ({ KeyId: keyId }),
  listKeys: ["ListKeys", { PageSize: 100 }],
  keyIdsOf: (body) => body.Keys.Key.map((k) => k.KeyId),
};
const TENCENT = {
  createKey: (alias) => ["CreateKey", { Alias: alias, Description: "made by node" }],
  keyIdOf: (body) => body.KeyId,
  alias: (keyId, alias) => ["UpdateAlias", { KeyId: keyId, Alias: `${alias}-2` }], // no CreateAlias
  encryptWith: (keyId) => keyId,
  dataKey: (keyId) => ({ KeyId: keyId, NumberOfBytes: 32 }),
  listKeys: ["ListKeys", { Limit: 200 }],
  keyIdsOf: (body) => body.Keys.map((k) => k.KeyId),
};

async function lifecycle(service, call, wrongSecretCall) {
  const r = {};
  const ctx = JSON.stringify(CONTEXT);
  let keyId;
  let blob;
  const prefix = service === ALIBABA ? "alias/" : "";
  const alias = `${prefix}node-${cfg.client}-${cfg.mode}-${process.pid}`;
  await step(r, "create_key", async () => {
    const [action, params] = service.createKey(alias);
    keyId = service.keyIdOf(await call(action, params));
    return keyId;
  });
  await step(r, "create_alias", async () => {
    const [action, params] = service.alias(keyId, alias);
    await call(action, params);
    return alias;
  });
  await step(r, "encrypt", async () => {
    const target = service.encryptWith(keyId, alias);
    const body = await call("Encrypt", { KeyId: target, Plaintext: PLAINTEXT, EncryptionContext: ctx });
    blob = body.CiphertextBlob;
    return body.KeyId;
  });
  await step(r, "decrypt", async () => {
    return (await call("Decrypt", { CiphertextBlob: blob, EncryptionContext: ctx })).Plaintext;
  });
  await step(r, "decrypt_wrong_context", async () => {
    const wrong = JSON.stringify(WRONG_CONTEXT);
    return (await call("Decrypt", { CiphertextBlob: blob, EncryptionContext: wrong })).Plaintext;
  });
  await step(r, "generate_data_key", async () => {
    const dk = await call("GenerateDataKey", { ...service.dataKey(keyId), EncryptionContext: ctx });
    const back = await call("Decrypt", { CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ctx });
    return { plaintext: dk.Plaintext, decrypted: back.Plaintext };
  });
  await step(r, "disable_then_encrypt", async () => {
    await call("DisableKey", { KeyId: keyId });
    return (await call("Encrypt", { KeyId: keyId, Plaintext: PLAINTEXT })).CiphertextBlob;
  });
  await step(r, "describe_key", async () => {
    return (await call("DescribeKey", { KeyId: keyId })).KeyMetadata.KeyState;
  });
  await step(r, "list_keys", async () => service.keyIdsOf(await call(...service.listKeys)));
  await step(r, "wrong_secret", async () => wrongSecretCall("ListKeys", {}));
  await step(r, "expired_timestamp", () =>
    withClockOffset(-3600 * 1000, () => CLIENTS[cfg.client](cfg.secret)("ListKeys", {})),
  );
  return r;
}

async function main() {
  const make = CLIENTS[cfg.client];
  if (!make) throw new Error(`unknown client ${cfg.client}`);
  const service = cfg.client === "tencentcloud-sdk-nodejs" ? TENCENT : ALIBABA;
  const results = await lifecycle(service, make(cfg.secret), make(`${cfg.secret}-wrong`));
  results.plaintext = { ok: true, value: PLAINTEXT };
  process.stdout.write(JSON.stringify(results) + "\n");
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack}\n`);
  process.exit(1);
});
