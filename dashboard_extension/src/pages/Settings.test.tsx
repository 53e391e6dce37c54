import { ThemeProvider } from "@saleor/macaw-ui";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { AppContext } from "../context";
import { type Lang, translate } from "../i18n";
import type { Setting, ShopSettings } from "../settingsDoc";
import { Settings } from "./Settings";

const setting = (name: string, kind: Setting["kind"], value: string | null, group: string): Setting => ({
  name, group, kind, value, default: value, isSet: kind !== "SECRET", choices: [], label: `label ${name}`,
  help: `help ${name}`,
});
const PAGE: ShopSettings = {
  editable: true, editedIn: null, canEdit: true, host: "saleor_app", updatedAt: null, updatedBy: null,
  groups: ["sender", "measurement", "sms"],
  settings: [setting("sender_name", "STRING", '"LTV商店"', "sender"), setting("holdout_percent", "INTEGER", "10", "measurement"),
    setting("twilio_auth_token", "SECRET", null, "sms")],
  channelOverrides: "{}", overrideSecretsSet: [], changes: [],
};

/** The page against a stand-in GraphQL endpoint: the query answers `page`, the mutation `saved`. */
function mount(page: ShopSettings, saved: unknown = { changed: [], errors: [], shopSettings: null },
               lang: Lang = "en") {
  const sent: { query: string; variables: Record<string, unknown> }[] = [];
  vi.stubGlobal("fetch", vi.fn(async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    sent.push(body);
    const data = body.query.startsWith("mutation") ? { ltvShopSettingsUpdate: saved } : { ltvShopSettings: page };
    return new Response(JSON.stringify({ data }), { headers: { "Content-Type": "application/json" } });
  }));
  render(
    <ThemeProvider>
      <AppContext.Provider value={{ token: "token", lang, t: (k) => translate(lang, k), channel: "c", setChannel: () => undefined,
        channels: [], permissions: page.canEdit ? ["MANAGE_PLUGINS"] : ["MANAGE_USERS"], userPermissions: ["MANAGE_USERS"] }}>
        <Settings />
      </AppContext.Provider>
    </ThemeProvider>);
  return sent;
}

afterEach(() => { cleanup(); vi.unstubAllGlobals(); });

describe("the Settings page", () => {
  it("saves only what changed and shows each error next to its field", async () => {
    const sent = mount(PAGE, { changed: [], shopSettings: null, errors: [
      { field: "holdout_percent", message: "must be at most 50", messageJa: "50 以下を指定してください", code: "INVALID" }] }, "ja");
    const holdout = await screen.findByLabelText("label holdout_percent");
    expect(screen.getByText("送信者")).toBeTruthy();  // the section's Japanese name
    fireEvent.change(holdout, { target: { value: "80" } });
    fireEvent.click(screen.getByTestId("settings-save"));
    expect((await screen.findByTestId("error-holdout_percent")).textContent).toBe("50 以下を指定してください");
    const mutation = sent.find((b) => b.query.startsWith("mutation"))!;
    expect(JSON.parse(mutation.variables.input as string)).toEqual({ holdout_percent: "80" });  // the secret left blank: kept
    expect(document.querySelector('[data-setting="holdout_percent"]')!.getAttribute("data-invalid")).toBe("true");
  });

  it("reloads what was stored after a save", async () => {
    const sent = mount(PAGE, { changed: ["sender_name"], errors: [], shopSettings: { updatedAt: "2026-12-02T10:00:00Z" } });
    fireEvent.change(await screen.findByLabelText("label sender_name"), { target: { value: "New name" } });
    fireEvent.click(screen.getByTestId("settings-save"));
    await waitFor(() => expect(sent.filter((b) => b.query.startsWith("query")).length).toBe(2));
  });

  it("is read-only, saying why, without MANAGE_PLUGINS", async () => {
    mount({ ...PAGE, canEdit: false });
    expect((await screen.findByLabelText("label sender_name") as HTMLInputElement).closest("fieldset")!.disabled).toBe(true);
    expect(screen.getByTestId("missing-permission").dataset.permission).toBe("MANAGE_PLUGINS");
    expect(screen.queryByTestId("settings-save")).toBeNull();
  });

  it("is read-only, saying where, when the deployment reads its settings elsewhere", async () => {
    mount({ ...PAGE, editable: false, canEdit: false, host: "saleor_plugin",
            editedIn: "Edited in the Saleor Dashboard under Configuration → Plugins → LTV CRM." });
    expect((await screen.findByTestId("settings-elsewhere")).textContent).toContain("Configuration → Plugins");
    expect(screen.queryByTestId("missing-permission")).toBeNull();
    expect(screen.queryByTestId("settings-save")).toBeNull();
  });
});
