// The flow pages' GraphQL (issue 16's contract): one place for the queries and the shapes they return.
// Inputs are written inline with scalar variables, so the pages do not depend on input type names.
import { gql } from "./api";
import type { SegmentOption } from "./components/FlowFields";
import { useApp, useQuery } from "./context";
import { type FlowDoc, type FlowProblem, segmentPk } from "./flowDoc";

export type FlowState = "DRAFT" | "LIVE" | "PAUSED" | "ARCHIVED";
export type FlowKind = "FLOW" | "BROADCAST";
export interface FlowRow { id: string; key: string; kind: FlowKind; name: string; state: FlowState; templateKey: string | null;
  entered: number; active: number; updatedAt: string; hasUnpublishedChanges: boolean; liveVersion: { number: number } | null }
export interface FlowFull extends FlowRow { channel: string; description: string; draft: string; problems: FlowProblem[];
  liveVersion: { number: number; publishedAt: string; publishedBy: string } | null }
export interface Template { key: string; title: string; description: string }

const ROW = "id key kind name state templateKey entered active updatedAt hasUnpublishedChanges liveVersion { number }";
const FULL = `${ROW} channel description draft problems { field message code step }
  liveVersion { number publishedAt publishedBy }`;
const ERRORS = "errors { field message code }";

export const FLOWS = `query Flows($channel: String!, $language: String) {
  ltvFlows(channel: $channel) { ${ROW} }
  ltvFlowTemplates { key title(language: $language) description(language: $language) } }`;
export const FLOW = `query Flow($id: ID!) { ltvFlow(id: $id) { ${FULL} } ltvFlowVocabulary }`;
export const CREATE = `mutation($channel: String!, $name: String!, $templateKey: String, $kind: LtvFlowKind) {
  ltvFlowCreate(channel: $channel, input: {name: $name, templateKey: $templateKey, kind: $kind}) { flow { id } ${ERRORS} } }`;
export const CREATE_BROADCAST = `mutation($channel: String!, $name: String!, $segmentId: ID!, $content: JSONString,
  $sendAt: DateTime) { ltvBroadcastCreate(channel: $channel, input: {name: $name, segmentId: $segmentId,
  content: $content, sendAt: $sendAt}) { flow { id } ${ERRORS} } }`;
export const UPDATE = `mutation($id: ID!, $name: String, $definition: JSONString) {
  ltvFlowUpdate(id: $id, input: {name: $name, definition: $definition}) { flow { ${FULL} } ${ERRORS} } }`;
export const PUBLISH = `mutation($id: ID!) { ltvFlowPublish(id: $id) { flow { ${FULL} } problems { field message code step }
  ${ERRORS} } }`;
export const SCHEDULE = `mutation($id: ID!, $sendAt: DateTime) { ltvBroadcastSchedule(id: $id, sendAt: $sendAt) {
  flow { ${FULL} } ${ERRORS} } }`;
export const stateMutation = (name: "ltvFlowPause" | "ltvFlowResume" | "ltvFlowArchive" | "ltvBroadcastCancel") =>
  `mutation($id: ID!) { ${name}(id: $id) { flow { id state } ${ERRORS} } }`;
export const PREVIEW = `query($id: ID!, $stepId: String!, $accountId: ID, $language: String) {
  ltvFlowPreview(id: $id, stepId: $stepId, accountId: $accountId, language: $language) {
    subject preheader html text language account medium } }`;
export const TEST_SEND = `mutation($id: ID!, $stepId: String!, $accountId: ID, $language: String) {
  ltvFlowTestSend(id: $id, stepId: $stepId, accountId: $accountId, language: $language) {
    sentTo letterPdf filename ${ERRORS} } }`;
export const REPORT = `query($id: ID!, $since: Date, $until: Date) { ltvFlowReport(id: $id, since: $since, until: $until) {
  since until entered holdout active done exited attributedRevenue incrementalRevenue incrementalLow incrementalHigh verdict
  steps { stepId kind name passed sent opened clicked branches }
  variants { stepId key recipients delivered opened clicked orders converted revenue revenuePerRecipient probabilityBest pValue }
  winners { stepId key decidedAt figures }
  autoWinners { stepId metric minRecipients minDays threshold daysRunning } } }`;
const SEGMENTS = `query($channel: String) { ltvSavedSegments(channel: $channel, first: 100) {
  edges { node { id name accountsCount } } } }`;
export const ACCOUNTS = `query($channel: String!) { ltvAccounts(filter: {channel: $channel}, first: 25,
  sortBy: {field: LAST_PURCHASE_AT, direction: DESC}) { edges { node { id name } } } }`;

/** The channel's saved segments as the definition names them (by primary key). */
export function useSegments(channel: string): SegmentOption[] {
  const state = useQuery<{ ltvSavedSegments: { edges: { node: { id: string; name: string; accountsCount: number } }[] } }>(
    SEGMENTS, { channel }, !channel);
  return (state.data?.ltvSavedSegments.edges ?? []).flatMap(({ node }) => {
    const pk = segmentPk(node.id);
    return pk === null ? [] : [{ pk, name: node.name, accounts: node.accountsCount, id: node.id }];
  });
}

export const parseDraft = (flow: FlowFull): FlowDoc => (typeof flow.draft === "string" ? JSON.parse(flow.draft) : flow.draft);

/** A publish answers with the draft's problems rather than throwing them. */
export async function publishFlow(token: string | undefined, id: string, mutation = PUBLISH, extra = {}) {
  const data = await gql<Record<string, { flow?: FlowFull; problems?: FlowProblem[];
    errors: { field?: string; message: string; code: string }[] }>>(token, mutation, { id, ...extra });
  return Object.values(data)[0];
}

export function useTemplateTitles(): Map<string, string> {
  const { lang } = useApp();
  const state = useQuery<{ ltvFlowTemplates: Template[] }>(
    "query($language: String) { ltvFlowTemplates { key title(language: $language) } }", { language: lang });
  return new Map((state.data?.ltvFlowTemplates ?? []).map((t) => [t.key, t.title]));
}
