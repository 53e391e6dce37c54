/// <reference types="vite/client" />
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";

import schemaText from "../../saleor_ltv_plugin/graphql/schema.graphql?raw";
import { changes, errorsByField, initialForm, sections, type Setting, SETTINGS_QUERY, SETTINGS_UPDATE } from "./settingsDoc";

const row = (name: string, kind: Setting["kind"], value: string | null, group = "sender",
             extra: Partial<Setting> = {}): Setting => ({
  name, group, kind, value, default: value, isSet: value !== null && value !== '""', choices: [], label: name, help: "",
  ...extra,
});
const PAGE = {
  settings: [
    row("sender_name", "STRING", '"LTV商店"'), row("holdout_percent", "INTEGER", "10", "measurement"),
    row("merge_same_day_orders", "BOOLEAN", "true", "accounts"),
    row("consent_mode", "CHOICE", '"opt_in"', "sending_rules", { choices: ["opt_in", "opt_out"] }),
    row("twilio_auth_token", "SECRET", null, "sms", { isSet: true }),
    row("line_channel_secret", "SECRET", null, "line", { isSet: false }),
    row("channel_overrides", "JSON", '{"b2b": {"timezone": "Asia/Tokyo", "line_channel_secret": ""}}', "channels"),
  ],
  channelOverrides: '{"b2b": {"timezone": "Asia/Tokyo", "line_channel_secret": ""}}',
};

describe("the Settings page's GraphQL", () => {
  const schema = buildSchema(schemaText);
  it.each([["query", SETTINGS_QUERY], ["mutation", SETTINGS_UPDATE]])("the %s is valid against the served schema",
    (_, text) => expect(validate(schema, parse(text)).map((e) => e.message)).toEqual([]));
});

describe("the form", () => {
  it("starts from the values in force, typed, with every secret blank", () => {
    const form = initialForm(PAGE);
    expect(form).toMatchObject({ sender_name: "LTV商店", holdout_percent: "10", merge_same_day_orders: true,
      consent_mode: "opt_in", twilio_auth_token: "", line_channel_secret: "" });
    expect(JSON.parse(form.channel_overrides as string)).toEqual({ b2b: { timezone: "Asia/Tokyo", line_channel_secret: "" } });
    expect(initialForm({ ...PAGE, channelOverrides: "{}" }).channel_overrides).toBe("");
  });

  it("sends only what changed: a typed secret, a cleared one as null, a blank one not at all", () => {
    const form = initialForm(PAGE);
    expect(changes(PAGE, form, new Set())).toEqual({});
    const edited = { ...form, holdout_percent: "20", merge_same_day_orders: false, line_channel_secret: " new-secret " };
    expect(changes(PAGE, edited, new Set(["twilio_auth_token"]))).toEqual({
      holdout_percent: "20", merge_same_day_orders: false, line_channel_secret: "new-secret", twilio_auth_token: null });
  });

  it("sends edited overrides as the admin typed them and emptied ones as null (no overrides)", () => {
    const form = initialForm(PAGE);
    expect(changes(PAGE, { ...form, channel_overrides: '{"b2b": {}}' }, new Set())).toEqual({ channel_overrides: '{"b2b": {}}' });
    expect(changes(PAGE, { ...form, channel_overrides: "  " }, new Set())).toEqual({ channel_overrides: null });
  });
});

describe("errors", () => {
  const names = PAGE.settings.map((s) => s.name);
  const errors = [
    { field: "holdout_percent", message: "must be at most 50", messageJa: "50 以下を指定してください" },
    { field: "channel_overrides.b2b.timezone", message: "unknown time zone 'Mars'", messageJa: null },
    { field: null, message: "this deployment (saleor_plugin) does not read the settings stored here." },
  ];
  it("go next to the setting they name, in the reader's language where the API has it", () => {
    expect(errorsByField(errors, names, "ja")).toEqual({
      holdout_percent: ["50 以下を指定してください"], channel_overrides: ["b2b.timezone: unknown time zone 'Mars'"],
      "": ["this deployment (saleor_plugin) does not read the settings stored here."] });
    expect(errorsByField(errors, names, "en").holdout_percent).toEqual(["must be at most 50"]);
  });
});

describe("sections", () => {
  it("follow the API's order; a setting in a section it does not list goes last", () => {
    const rows = [...PAGE.settings, row("new_thing", "STRING", '""', "future")];
    const order = sections(["sender", "sms", "line", "accounts", "sending_rules", "measurement", "channels", "empty"], rows)
      .map(([group, list]) => [group, list.map((s) => s.name)]);
    expect(order).toEqual([["sender", ["sender_name"]], ["sms", ["twilio_auth_token"]], ["line", ["line_channel_secret"]],
      ["accounts", ["merge_same_day_orders"]], ["sending_rules", ["consent_mode"]], ["measurement", ["holdout_percent"]],
      ["channels", ["channel_overrides"]], ["future", ["new_thing"]]]);
  });
});
