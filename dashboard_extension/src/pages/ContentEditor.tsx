// A send step's content: subject, preheader and blocks per language, with a live preview of the
// rendered mail (the API's ltvFlowPreview of the saved draft) in a sandboxed frame at desktop or
// phone width, filled from an account the admin picks, and a test send to the admin's own address.
// A postal DM step shows its letter as the print job prints it (an A4 sheet, scaled to the pane, with
// the address block)
// and its test is a one-letter PDF to download, not a mail.
import { Box, Button, Text } from "@saleor/macaw-ui";
import { useEffect, useRef, useState } from "react";

import { ApiError, gql } from "../api";
import { notify } from "../bridge";
import { ErrorBox } from "../components/ui";
import { useApp, useMutation, useQuery } from "../context";
import { ACCOUNTS, PREVIEW, TEST_SEND } from "../flowApi";
import {
  addBlock, BLOCK_KINDS, type Block, type Content, editBlocks, emptyContent, insertToken, isTemplateRef, moveBlock,
} from "../flowDoc";
import { flowLabel, type Key } from "../i18n";

type Lang = "ja" | "en";
const WIDTHS = { desktop: 600, phone: 375 } as const;
const TARGETS = ["checkout", "shop", "first_product"];
interface Preview { subject: string; preheader: string; html: string; text: string; language: string; medium: string }

export function ContentEditor({ flowId, stepId, content, onChange, mergeFields, readOnly, ensureSaved, medium = "email" }: {
  flowId: string; stepId: string; content: Record<string, unknown> | undefined; onChange: (c: Content) => void; medium?: string;
  mergeFields: { key: string; label: Record<string, string> }[]; readOnly: boolean; ensureSaved: () => Promise<boolean> }) {
  const { t, lang: uiLang } = useApp();
  const ref = isTemplateRef(content);
  const doc = (ref ? {} : content ?? {}) as Content;
  const present = (["ja", "en"] as Lang[]).filter((l) => doc[l]);
  const [lang, setLang] = useState<Lang>(present.includes(uiLang) || !present.length ? uiLang : present[0]);
  const part = doc[lang];
  return (
    <Box display="flex" flexDirection="column" gap={3} data-testid="content-editor" className="ltv-content-editor">
      <Box display="flex" gap={2} alignItems="center">
        <Text fontWeight="bold">{t("content")}</Text>
        <div className="ltv-chips" role="tablist">
          {(["ja", "en"] as Lang[]).map((l) => (
            <button key={l} type="button" className="ltv-chip" aria-pressed={lang === l} data-testid={`content-lang-${l}`}
                    onClick={() => setLang(l)}>{t(l === "ja" ? "japanese" : "english")}{doc[l] || ref ? "" : " ＋"}</button>))}
        </div>
      </Box>
      <div className="ltv-content-grid">
        <Box display="flex" flexDirection="column" gap={3}>
          {ref ? (
            <Box display="flex" flexDirection="column" gap={2} data-testid="template-copy">
              <Text color="default2">{t("readyCopy")}</Text>
              {!readOnly && <Button variant="secondary" data-testid="write-own-copy"
                                    onClick={() => onChange(emptyContent(lang))}>{t("writeOwnCopy")}</Button>}
            </Box>
          ) : !part ? (
            <Button variant="secondary" disabled={readOnly} data-testid="add-language"
                    onClick={() => onChange({ ...doc, ...emptyContent(lang) })}>{t("addLanguage")}</Button>
          ) : (
            <LanguageForm part={part} lang={lang} mergeFields={mergeFields} medium={medium}
                          onChange={(next) => onChange({ ...doc, [lang]: next })}
                          onBlocks={(change) => onChange(change(doc))}
                          onRemove={present.length > 1 ? () => { const rest = { ...doc }; delete rest[lang]; onChange(rest); } : undefined} />
          )}
        </Box>
        <PreviewPane flowId={flowId} stepId={stepId} lang={lang} content={content} ensureSaved={ensureSaved}
                     letter={medium === "postal_dm"} />
      </div>
    </Box>
  );
}

function LanguageForm({ part, lang, mergeFields, onChange, onBlocks, onRemove, medium }: {
  part: NonNullable<Content[Lang]>; lang: Lang; mergeFields: { key: string; label: Record<string, string> }[]; medium: string;
  onChange: (p: NonNullable<Content[Lang]>) => void; onBlocks: (change: (c: Content) => Content) => void; onRemove?: () => void }) {
  const { t, lang: uiLang } = useApp();
  const blocks = part.blocks ?? [];
  const setBlock = (i: number, block: Block) => onBlocks((c) => editBlocks(c, lang, (bs) => bs.map((b, j) => (j === i ? block : b))));
  return (
    <>
      <MergeText label={t(medium === "postal_dm" ? "letterTitle" : "subject")} value={part.subject} testId="content-subject"
                 mergeFields={mergeFields} onChange={(subject) => onChange({ ...part, subject })} />
      {medium === "email" && (  /* a preheader is the inbox's preview line: e-mail only */
        <MergeText label={t("preheader")} value={part.preheader ?? ""} testId="content-preheader" mergeFields={mergeFields}
                   onChange={(preheader) => onChange({ ...part, preheader })} />)}
      {blocks.map((block, i) => (
        <div key={i} className="ltv-block" data-testid="block" data-kind={block.kind} data-index={i}>
          <Box display="flex" justifyContent="space-between" alignItems="center">
            <Text size={2} fontWeight="bold">{flowLabel(uiLang, `block.${block.kind}`)}</Text>
            <Box display="flex" gap={1}>
              <Button size="small" variant="tertiary" disabled={i === 0} title={t("moveUp")}
                      onClick={() => onBlocks((c) => moveBlock(c, lang, i, -1))}>↑</Button>
              <Button size="small" variant="tertiary" disabled={i === blocks.length - 1 || blocks[i + 1]?.kind === "footer"}
                      title={t("moveDown")} onClick={() => onBlocks((c) => moveBlock(c, lang, i, 1))}>↓</Button>
              <Button size="small" variant="tertiary" title={t("remove")} data-testid="block-remove"
                      onClick={() => onBlocks((c) => editBlocks(c, lang, (bs) => bs.filter((_, j) => j !== i)))}>✕</Button>
            </Box>
          </Box>
          <BlockForm block={block} mergeFields={mergeFields} onChange={(b) => setBlock(i, b)} />
        </div>))}
      <Box display="flex" gap={2} alignItems="center">
        <select value="" data-testid="add-block" aria-label={t("addBlock")}
                onChange={(e) => e.target.value && onBlocks((c) => addBlock(c, lang, e.target.value))}>
          <option value="">{t("addBlock")}</option>
          {BLOCK_KINDS.filter((k) => k !== "footer" || !blocks.some((b) => b.kind === "footer"))
            .map((k) => <option key={k} value={k}>{flowLabel(uiLang, `block.${k}`)}</option>)}
        </select>
        {onRemove && <Button size="small" variant="tertiary" onClick={onRemove} data-testid="remove-language">{t("removeLanguage")}</Button>}
      </Box>
      <Text size={1} color="default2" data-testid="legal-footer">{t("legalFooter")}</Text>
    </>
  );
}

function BlockForm({ block, mergeFields, onChange }: { block: Block; mergeFields: { key: string; label: Record<string, string> }[];
  onChange: (b: Block) => void }) {
  const { t, lang } = useApp();
  const set = (name: string, value: unknown) => onChange({ ...block, [name]: value });
  switch (block.kind) {
    case "heading":
      return <MergeText label={flowLabel(lang, "block.heading")} value={String(block.text ?? "")} testId="block-heading"
                        mergeFields={mergeFields} onChange={(v) => set("text", v)} />;
    case "text":
      return <MergeText label={flowLabel(lang, "block.text")} value={String(block.text ?? "")} testId="block-text" multiline
                        mergeFields={mergeFields} onChange={(v) => set("text", v)} />;
    case "products":
      return (
        <div className="ltv-filters">
          <Text size={2} color="default2">{t("productsFromTrigger")}</Text>
          <label className="ltv-field">{t("maxCount")} (1–20)
            <input type="number" min={1} max={20} value={Number(block.max_count ?? 3)} data-testid="block-max-count"
                   onChange={(e) => set("max_count", Number(e.target.value))} /></label>
          <label className="ltv-field" style={{ flexDirection: "row", alignItems: "center", gap: 6 }}>
            <input type="checkbox" checked={block.show_total !== false} onChange={(e) => set("show_total", e.target.checked)} />
            {t("showTotal")}</label>
        </div>);
    case "button": {
      const target = String(block.target ?? "shop");
      const custom = !TARGETS.includes(target);
      return (
        <div className="ltv-filters">
          <MergeText label={t("buttonLabel")} value={String(block.label ?? "")} testId="block-label" mergeFields={mergeFields}
                     onChange={(v) => set("label", v)} />
          <label className="ltv-field">{t("linkTo")}
            <select value={custom ? "url" : target} data-testid="block-target"
                    onChange={(e) => set("target", e.target.value === "url" ? "https://" : e.target.value)}>
              {TARGETS.map((x) => <option key={x} value={x}>{flowLabel(lang, `target.${x}`)}</option>)}
              <option value="url">{t("customUrl")}</option>
            </select></label>
          {custom && <label className="ltv-field">URL
            <input type="url" value={target} data-testid="block-url" onChange={(e) => set("target", e.target.value)} /></label>}
        </div>);
    }
    case "coupon":
      return (
        <div className="ltv-filters">
          <MergeText label={t("couponCode")} value={String(block.code ?? "")} testId="block-code" mergeFields={mergeFields}
                     onChange={(v) => set("code", v)} />
          <MergeText label={t("stepLabel")} value={String(block.label ?? "")} testId="block-coupon-label" mergeFields={mergeFields}
                     onChange={(v) => set("label", v)} />
        </div>);
    case "footer":
      return <MergeText label={t("note")} value={String(block.note ?? "")} testId="block-note" mergeFields={mergeFields}
                        onChange={(v) => set("note", v)} />;
    default:
      return null;
  }
}

/** A text field with a merge-field picker that inserts `{field}` at the cursor. */
function MergeText({ label, value, onChange, mergeFields, testId, multiline = false }: { label: string; value: string;
  onChange: (v: string) => void; mergeFields: { key: string; label: Record<string, string> }[]; testId: string; multiline?: boolean }) {
  const { t, lang } = useApp();
  const input = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const pick = (key: string) => {
    const el = input.current;
    const start = el?.selectionStart ?? value.length;
    const next = insertToken(value, start, el?.selectionEnd ?? start, key);
    onChange(next.text);
    requestAnimationFrame(() => { el?.focus(); el?.setSelectionRange(next.cursor, next.cursor); });
  };
  const props = { ref: input, value, "data-testid": testId, "aria-label": label,
                  onChange: (e: { target: { value: string } }) => onChange(e.target.value) };
  return (
    <label className="ltv-field ltv-merge-text">
      <Box display="flex" justifyContent="space-between" alignItems="center" gap={2}>
        <span>{label}</span>
        {mergeFields.length > 0 && (
          <select value="" className="ltv-merge-picker" data-testid="merge-field" aria-label={t("insertField")}
                  onChange={(e) => e.target.value && pick(e.target.value)}>
            <option value="">{t("insertField")}</option>
            {mergeFields.map((f) => <option key={f.key} value={f.key}>{f.label[lang] ?? f.key}</option>)}
          </select>)}
      </Box>
      {multiline ? <textarea rows={4} {...props} /> : <input {...props} />}
    </label>
  );
}

function PreviewPane({ flowId, stepId, lang, content, ensureSaved, letter }: { flowId: string; stepId: string; lang: Lang;
  content: unknown; ensureSaved: () => Promise<boolean>; letter: boolean }) {
  const { t, token, channel } = useApp();
  const mutate = useMutation();
  const [width, setWidth] = useState<keyof typeof WIDTHS>("desktop");
  const [account, setAccount] = useState("");
  const [preview, setPreview] = useState<Preview>();
  const [error, setError] = useState<ApiError>();
  const [sent, setSent] = useState("");
  const accounts = useQuery<{ ltvAccounts: { edges: { node: { id: string; name: string } }[] } }>(ACCOUNTS, { channel }, !channel);
  const serial = useRef(0);
  const refresh = async () => {
    const mine = ++serial.current;
    if (!(await ensureSaved())) return;
    try {
      const data = await gql<{ ltvFlowPreview: Preview | null }>(token, PREVIEW,
        { id: flowId, stepId, accountId: account || null, language: lang });
      if (mine !== serial.current) return;
      setError(undefined);
      setPreview(data.ltvFlowPreview ?? undefined);
    } catch (e) {
      if (mine === serial.current) { setError(e as ApiError); setPreview(undefined); }
    }
  };
  // Live: the draft is saved and the preview redrawn a moment after the last change.
  const key = JSON.stringify(content);
  useEffect(() => {
    const timer = setTimeout(refresh, 700);
    return () => clearTimeout(timer);
  }, [key, lang, account]); // eslint-disable-line react-hooks/exhaustive-deps
  const testSend = async () => {
    setSent("");
    try {
      if (!(await ensureSaved())) return;
      const answer = await mutate<{ sentTo: string | null; letterPdf: string | null; filename: string | null }>(
        TEST_SEND, { id: flowId, stepId, accountId: account || null, language: lang }, "ltvFlowTestSend");
      if (answer.letterPdf) {  // a DM step: the one-letter PDF, nothing mailed
        const name = answer.filename ?? "test-letter.pdf";
        download(answer.letterPdf, name);
        setSent(name);
        notify("success", t("testLetterReady"), name);
        return;
      }
      setSent(answer.sentTo ?? "");
      notify("success", t("testMailSent"), answer.sentTo ?? "");
    } catch (e) { setError(e as ApiError); }
  };
  return (
    <Box display="flex" flexDirection="column" gap={2} data-testid="preview-pane" className="ltv-preview-pane">
      <Box display="flex" gap={2} alignItems="flex-end" flexWrap="wrap">
        {letter ? <Text size={2} color="default2" data-testid="preview-letter">{t("letterAsPrinted")}</Text> : (
        <div className="ltv-chips" role="tablist">
          {(Object.keys(WIDTHS) as (keyof typeof WIDTHS)[]).map((w) => (
            <button key={w} type="button" className="ltv-chip" aria-pressed={width === w} data-testid={`preview-${w}`}
                    onClick={() => setWidth(w)}>{t((w === "phone" ? "phoneWidth" : "desktop") as Key)} {WIDTHS[w]}px</button>))}
        </div>)}
        <label className="ltv-field">{t("previewFor")}
          <select value={account} data-testid="preview-account" onChange={(e) => setAccount(e.target.value)}>
            <option value="">{t("previewDefault")}</option>
            {(accounts.data?.ltvAccounts.edges ?? []).map(({ node }) => <option key={node.id} value={node.id}>{node.name}</option>)}
          </select></label>
        <Button size="small" variant="secondary" onClick={refresh} data-testid="preview-refresh">{t("refreshPreview")}</Button>
        <Button size="small" variant="secondary" onClick={testSend} data-testid="test-send">
          {t(letter ? "testLetterPdf" : "sendTestToMe")}</Button>
      </Box>
      {sent && <Text size={2} data-testid="test-sent">{t(letter ? "testLetterFile" : "testMailTo")}: {sent}</Text>}
      {error && <ErrorBox error={error} />}
      {preview && (
        <>
          <Box className="ltv-preview-head" data-testid="preview-head">
            <Text size={2} color="default2">{t(preview.medium === "postal_dm" ? "letterTitle" : "subject")}</Text>
            <Text fontWeight="bold" data-testid="preview-subject">{preview.subject}</Text>
            {preview.preheader && <Text size={2} color="default2" data-testid="preview-preheader">{preview.preheader}</Text>}
          </Box>
          <iframe title={t("preview")} sandbox="" srcDoc={preview.html} data-testid="preview-frame"
                  data-medium={preview.medium} data-width={preview.medium === "postal_dm" ? "fill" : WIDTHS[width]}
                  className="ltv-preview-frame"
                  style={{ width: preview.medium === "postal_dm" ? "100%" : WIDTHS[width] }} />
        </>)}
    </Box>
  );
}

/** Save a base64 file (the DM test's PDF) through a temporary link. */
function download(base64: string, name: string) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/pdf" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
