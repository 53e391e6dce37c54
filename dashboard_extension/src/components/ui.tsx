import { Box, Button, Skeleton, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

import type { ApiError } from "../api";
import { useApp } from "../context";
import { fill, type Key, MESSAGES } from "../i18n";

export function Card({ title, children, actions, testId }: { title?: ReactNode; children: ReactNode;
  actions?: ReactNode; testId?: string }) {
  return (
    <Box data-testid={testId} borderWidth={1} borderStyle="solid" borderColor="default1" borderRadius={4}
         padding={4} display="flex" flexDirection="column" gap={3} backgroundColor="default1" className="ltv-card">
      {(title || actions) && (
        <Box display="flex" justifyContent="space-between" alignItems="center" gap={2}>
          <Text size={5} fontWeight="bold">{title}</Text>
          <Box display="flex" gap={2}>{actions}</Box>
        </Box>
      )}
      {children}
    </Box>
  );
}

export function Loading({ rows = 3 }: { rows?: number }) {
  const { t } = useApp();
  return (
    <Box display="flex" flexDirection="column" gap={2} role="status" aria-label={t("loading")} data-testid="loading">
      {Array.from({ length: rows }, (_, i) => <Skeleton key={i} height={6} />)}
    </Box>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  const { t } = useApp();
  return <Box padding={4} data-testid="empty"><Text color="default2">{children ?? t("empty")}</Text></Box>;
}

/** The error in the reader's language by its code, the fields at fault as the API names them. */
export function errorText(t: (key: Key) => string, error: ApiError): string {
  const code = error.code.toLowerCase();
  const key = (code.startsWith("http_") ? "error_http" : `error_${code}`) as Key;
  const summary = key in MESSAGES.en ? t(key) : t("error_other");
  return summary;
}

export function ErrorBox({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useApp();
  if (error.isPermission) {
    return (
      <Box padding={4} data-testid="permission-denied" role="alert">
        <Text fontWeight="bold">{t("noPermission")}</Text>
        {error.permissions.length > 0 && (
          <Text as="p" color="default2">{t("needPermissions")}: {error.permissions.join(", ")}</Text>
        )}
      </Box>
    );
  }
  return (
    <Box padding={4} data-testid="error" role="alert" display="flex" gap={3} alignItems="center">
      <Text color="critical1" title={error.message}>{errorText(t, error)}
        {/* the fields at fault as the API names them: codes, not prose */}
        {error.fields.some((f) => f.field) && <> ({t("errorFields")}: <code>{error.fields.map((f) => f.field)
          .filter(Boolean).join(", ")}</code>)</>}</Text>
      {onRetry && <Button variant="secondary" onClick={onRetry}>{t("retry")}</Button>}
    </Box>
  );
}

/** Loading, error and empty states around a query's result. */
export function Guard<T>({ state, isEmpty, children, emptyText }: {
  state: { data?: T; error?: ApiError; loading: boolean; reload: () => void };
  isEmpty?: (data: T) => boolean; children: (data: T) => ReactNode; emptyText?: ReactNode }) {
  if (state.error) return <ErrorBox error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return <Loading />;
  if (isEmpty?.(state.data)) return <Empty>{emptyText}</Empty>;
  return <>{children(state.data)}</>;
}

export function Stat({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <Box display="flex" flexDirection="column" gap={1} data-testid={testId}>
      <Text size={2} color="default2">{label}</Text>
      <Text size={7} fontWeight="bold" className="ltv-stat-value">{value}</Text>
    </Box>
  );
}

export function Pager({ hasPrevious, hasNext, onPrevious, onNext }: { hasPrevious: boolean; hasNext: boolean;
  onPrevious: () => void; onNext: () => void }) {
  const { t } = useApp();
  return (
    <Box display="flex" gap={2} justifyContent="flex-end" className="ltv-noprint">
      <Button variant="secondary" disabled={!hasPrevious} onClick={onPrevious} data-testid="page-previous">
        {t("previous")}
      </Button>
      <Button variant="secondary" disabled={!hasNext} onClick={onNext} data-testid="page-next">{t("next")}</Button>
    </Box>
  );
}

/** A modal dialog inside the page (the Dashboard's sandbox ignores window.prompt/confirm). */
export function Dialog({ title, children, onConfirm, onCancel, testId }: { title: ReactNode; children: ReactNode;
  onConfirm: () => void; onCancel: () => void; testId?: string }) {
  const { t } = useApp();
  return (
    <div className="ltv-dialog-backdrop" onClick={onCancel}>
      <form role="dialog" aria-modal="true" className="ltv-dialog" data-testid={testId}
            onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.key === "Escape" && onCancel()}
            onSubmit={(e) => { e.preventDefault(); onConfirm(); }}>
        <Text size={5} fontWeight="bold">{title}</Text>
        {children}
        <Box display="flex" gap={2} justifyContent="flex-end">
          <Button type="button" variant="secondary" onClick={onCancel} data-testid="dialog-cancel">{t("cancel")}</Button>
          <Button type="submit" variant="primary" data-testid="dialog-confirm">{t("save")}</Button>
        </Box>
      </form>
    </div>
  );
}

/** Why an action is unavailable: which permission is missing, and whether the user or the app lacks it. */
export function MissingPermission({ permission, testId = "missing-permission" }: { permission: string; testId?: string }) {
  const { t, userPermissions } = useApp();
  const userHasIt = userPermissions.includes(permission);
  return (
    <Box padding={3} borderRadius={4} backgroundColor="default2" data-testid={testId} data-permission={permission}
         data-who={userHasIt ? "app" : "user"} role="note">
      <Text>{fill(t(userHasIt ? "appLacksPermission" : "userLacksPermission"), { permission })}</Text>
    </Box>
  );
}
