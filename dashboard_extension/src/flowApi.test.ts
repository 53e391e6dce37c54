/// <reference types="vite/client" />
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";

import schemaText from "../../saleor_ltv_plugin/graphql/schema.graphql?raw";
import * as api from "./flowApi";

// The schema the plugin serves (graphql/schema.graphql, regenerated with the API and compared to
// the live schema by tests/graphql): every query the flow pages send must be valid against it.
const schema = buildSchema(schemaText);

describe("the flow pages' GraphQL", () => {
  const documents: [string, string][] = [
    ...Object.entries(api).filter(([, v]) => typeof v === "string") as [string, string][],
    ...(["ltvFlowPause", "ltvFlowResume", "ltvFlowArchive", "ltvBroadcastCancel"] as const)
      .map((name) => [name, api.stateMutation(name)] as [string, string]),
  ];
  it.each(documents)("%s is valid against the served schema", (_, text) => {
    expect(validate(schema, parse(text)).map((e) => e.message)).toEqual([]);
  });
});
