// Staff who sign in to these pages (REST staff): where this server keeps its own logins (standalone),
// add a colleague, change their scopes or password, disable them. The server enforces the rules
// (no scope beyond your own, no colleague who holds one you lack, never yourself disabled); the
// page only greys out what it would refuse. Inside Saleor the staff are Saleor's: the page says
// where to manage them and which Saleor permission gives which scope.
import { Box, Button, Text } from "@saleor/macaw-ui";
import { useState } from "react";

import { ApiError, rest } from "../api";
import { notify } from "../bridge";
import { Card, Dialog, ErrorBox, Guard } from "../components/ui";
import { useApp, useRest } from "../context";
import { fmtDateTime } from "../format";
import { type Lang, valueLabel } from "../i18n";

interface StaffUser { id: number; email: string; scopes: string[]; active: boolean; superuser: boolean; you: boolean;
  date_joined: string; last_login: string | null }
interface Directory { managed_here: boolean; managed_in: Record<string, string> | null; your_scopes: string[];
  scopes: { scope: string; saleor_permissions: string[] }[]; users: StaffUser[] }
type FieldErrors = Record<string, string>;

const scopeLabel = (lang: Lang, scope: string) => valueLabel(lang, "scopeName_", scope.replace(":", "_"));

/** The API's per-field reasons, in the page's language. */
function reasons(e: unknown, lang: Lang): FieldErrors {
  if (!(e instanceof ApiError)) return { "": String(e) };
  const out: FieldErrors = {};
  for (const f of e.fields as { field?: string; message: string; message_ja?: string }[]) {
    out[f.field ?? ""] = (lang === "ja" && f.message_ja) || f.message;
  }
  return Object.keys(out).length ? out : { "": e.message };
}

export function Staff() {
  const { t } = useApp();
  const state = useRest<Directory>("staff");
  return (
    <Card title={t("staffTitle")} testId="page-staff">
      <Guard state={state}>
        {(d) => d.managed_here ? <ManagedHere directory={d} reload={state.reload} /> : <Elsewhere directory={d} />}
      </Guard>
    </Card>
  );
}

function Elsewhere({ directory }: { directory: Directory }) {
  const { t, lang } = useApp();
  return (
    <Box display="flex" flexDirection="column" gap={3}>
      <Box padding={3} borderRadius={4} backgroundColor="default2" data-testid="staff-elsewhere" role="note">
        <Text fontWeight="bold">{t("staffElsewhere")}</Text>
        <Text as="p">{directory.managed_in?.[lang] ?? ""}</Text>
      </Box>
      <table className="ltv-table" data-testid="staff-permissions">
        <caption>{t("staffPermissionTable")}</caption>
        <tbody>{directory.scopes.map((s) => (
          <tr key={s.scope}><td>{scopeLabel(lang, s.scope)} <code>{s.scope}</code></td>
            <td>{s.saleor_permissions.join(", ")}</td></tr>))}</tbody>
      </table>
    </Box>
  );
}

function ScopeBoxes({ all, held, chosen, onChange, testId }: { all: string[]; held: string[]; chosen: string[];
  onChange: (next: string[]) => void; testId: string }) {
  const { lang } = useApp();
  return (
    <Box display="flex" flexWrap="wrap" gap={3} data-testid={testId}>
      {all.map((scope) => (
        <label key={scope} className="ltv-check" title={scope}>
          <input type="checkbox" data-scope={scope} checked={chosen.includes(scope)} disabled={!held.includes(scope)}
                 onChange={(e) => onChange(e.target.checked ? [...chosen, scope].sort()
                   : chosen.filter((s) => s !== scope))} />
          {scopeLabel(lang, scope)}
        </label>))}
    </Box>
  );
}

function ManagedHere({ directory, reload }: { directory: Directory; reload: () => void }) {
  const { t, lang, token } = useApp();
  const all = directory.scopes.map((s) => s.scope);
  const held = directory.your_scopes;
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [scopes, setScopes] = useState<string[]>([]);
  const [addErrors, setAddErrors] = useState<FieldErrors>({});
  const [edits, setEdits] = useState<Record<number, string[]>>({});
  const [rowErrors, setRowErrors] = useState<Record<number, FieldErrors>>({});
  const [passwordFor, setPasswordFor] = useState<StaffUser>();
  const [newPassword, setNewPassword] = useState("");
  const [failure, setFailure] = useState<ApiError>();
  const add = async () => {
    setAddErrors({});
    try {
      const made = await rest<StaffUser>(token, "staff", { email, password, scopes });
      notify("success", t("staffAdded"), made.email);
      setEmail(""); setPassword(""); setScopes([]);
      reload();
    } catch (e) {
      if (e instanceof ApiError && e.isPermission) setFailure(e); else setAddErrors(reasons(e, lang));
    }
  };
  const change = async (user: StaffUser, body: Record<string, unknown>) => {
    setRowErrors((r) => ({ ...r, [user.id]: {} }));
    try {
      await rest<StaffUser>(token, `staff/${user.id}`, body);
      notify("success", t("staffChanged"), user.email);
      setEdits((r) => { const next = { ...r }; delete next[user.id]; return next; });
      reload();
    } catch (e) {
      if (e instanceof ApiError && e.isPermission) setFailure(e); else setRowErrors((r) => ({ ...r, [user.id]: reasons(e, lang) }));
    }
  };
  const outOfReach = (user: StaffUser) => user.scopes.some((s) => !held.includes(s));
  return (
    <Box display="flex" flexDirection="column" gap={4}>
      <Text size={2} color="default2">{t("staffIntro")}</Text>
      {failure && <ErrorBox error={failure} />}
      <table className="ltv-table" data-testid="staff-users">
        <thead><tr><th>{t("staffEmail")}</th><th>{t("staffScopes")}</th><th>{t("status")}</th>
          <th>{t("staffLastLogin")}</th><th /></tr></thead>
        <tbody>{directory.users.map((user) => {
          const chosen = edits[user.id] ?? user.scopes;
          const dirty = edits[user.id] !== undefined && chosen.join() !== user.scopes.join();
          const locked = outOfReach(user);
          const errors = rowErrors[user.id] ?? {};
          return (
            <tr key={user.id} data-email={user.email} data-active={String(user.active)}>
              <td>{user.email}{user.you && <> <Text size={2} color="default2">({t("staffYou")})</Text></>}</td>
              <td>{user.superuser ? <Text>{t("staffSuperuser")}</Text>
                : <ScopeBoxes all={all} held={locked ? [] : held} chosen={chosen} testId="staff-row-scopes"
                              onChange={(next) => setEdits((r) => ({ ...r, [user.id]: next }))} />}
                {Object.entries(errors).map(([field, message]) => (
                  <Text key={field} as="p" color="critical1" role="alert" data-field={field}>{message}</Text>))}</td>
              <td>{user.active ? t("staffActive") : t("staffInactive")}</td>
              <td>{user.last_login ? fmtDateTime(lang, user.last_login) : t("staffNever")}</td>
              <td><Box display="flex" gap={2} flexWrap="wrap">
                {dirty && <Button size="small" data-testid="staff-save-scopes"
                                  onClick={() => change(user, { scopes: chosen })}>{t("staffSaveScopes")}</Button>}
                <Button size="small" variant="secondary" disabled={locked} data-testid="staff-password"
                        onClick={() => { setNewPassword(""); setPasswordFor(user); }}>{t("staffSetPassword")}</Button>
                {!user.you && (
                  <Button size="small" variant="secondary" disabled={locked} data-testid="staff-toggle"
                          onClick={() => change(user, { active: !user.active })}>
                    {user.active ? t("staffDisable") : t("staffEnable")}</Button>)}
              </Box></td>
            </tr>);
        })}</tbody>
      </table>
      <form className="ltv-fieldset" data-testid="staff-add" onSubmit={(e) => { e.preventDefault(); add(); }}>
        <Text size={5} fontWeight="bold">{t("staffAdd")}</Text>
        <Box display="flex" gap={3} flexWrap="wrap">
          <label className="ltv-field">{t("staffEmail")}
            <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} data-testid="staff-email"
                   autoComplete="off" /></label>
          <label className="ltv-field">{t("staffPassword")}
            <input type="password" value={password} onChange={(e) => setPassword(e.target.value)}
                   data-testid="staff-new-password" autoComplete="new-password" /></label>
        </Box>
        <ScopeBoxes all={all} held={held} chosen={scopes} onChange={setScopes} testId="staff-add-scopes" />
        <Text size={2} color="default2">{t("staffPasswordHelp")}</Text>
        {Object.entries(addErrors).map(([field, message]) => (
          <Text key={field} as="p" color="critical1" role="alert" data-field={field}>{message}</Text>))}
        <Box><Button type="submit" data-testid="staff-add-submit">{t("staffAdd")}</Button></Box>
      </form>
      {passwordFor && (
        <Dialog title={`${t("staffSetPassword")}: ${passwordFor.email}`} testId="staff-password-dialog"
                onCancel={() => setPasswordFor(undefined)}
                onConfirm={() => { change(passwordFor, { password: newPassword }); setPasswordFor(undefined); }}>
          <Text color="default2">{t("staffPasswordHelp")}</Text>
          <label className="ltv-field">{t("staffNewPassword")}
            <input type="password" value={newPassword} autoComplete="new-password" data-testid="staff-password-input"
                   onChange={(e) => setNewPassword(e.target.value)} /></label>
        </Dialog>)}
    </Box>
  );
}
