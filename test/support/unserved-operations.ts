/**
 * # Operations of Chatwoot's swagger.json that Snypto does not serve
 *
 * Chatwoot publishes 129 operations in its OpenAPI document
 * (test/fixtures/chatwoot-swagger.json). Snypto serves the API channel:
 * every operation below is outside it, and each answers Chatwoot's (Rails')
 * default for an unknown route:
 *
 *     404 {"status":404,"error":"Not Found"}
 *
 * test/rest/generated-client.test.ts calls every swagger operation through a
 * client generated from that document. An operation listed here must answer
 * exactly that 404; every other operation must work as documented (or as
 * spec/API.md records where Chatwoot's code differs). The suite fails when
 * an operation is neither served nor listed, and when a listed one starts
 * being served: then remove it from this list and give it a case there.
 */
import type { OperationKey } from './generated-client.ts';

export interface UnservedOperation {
  /** The operation, as swagger writes it: method and path template. */
  operation: OperationKey;
  /** Why Snypto does not serve it. */
  reason: string;
}

/** Operations of one feature, with the reason they share. */
const unserved = (reason: string, ...operations: OperationKey[]): UnservedOperation[] =>
  operations.map((operation) => ({ operation, reason }));

const ACCOUNT = '/api/v1/accounts/{account_id}';

export const UNSERVED_OPERATIONS: UnservedOperation[] = [
  ...unserved(
    'Account settings (auto-resolve, industry, company size, ...) are not served on the Application API; accounts are created, shown and changed through the Platform API (`/platform/api/v1/accounts/{account_id}`).',
    'GET /api/v1/accounts/{id}',
    'PATCH /api/v1/accounts/{id}',
  ),
  ...unserved(
    'Audit logs are a Chatwoot Enterprise feature; Snypto records none.',
    `GET ${ACCOUNT}/audit_logs`,
  ),
  ...unserved(
    "Agent bots are managed through the Platform API (`/platform/api/v1/agent_bots`, with `account_id` for an account's bot); an inbox's bot is set with `POST …/inboxes/{id}/set_agent_bot`.",
    `GET ${ACCOUNT}/agent_bots`,
    `POST ${ACCOUNT}/agent_bots`,
    `GET ${ACCOUNT}/agent_bots/{id}`,
    `PATCH ${ACCOUNT}/agent_bots/{id}`,
    `DELETE ${ACCOUNT}/agent_bots/{id}`,
  ),
  ...unserved(
    "Canned responses are shortcuts of Chatwoot's agent dashboard; Snypto has no UI.",
    `GET ${ACCOUNT}/canned_responses`,
    `POST ${ACCOUNT}/canned_responses`,
    `PATCH ${ACCOUNT}/canned_responses/{id}`,
    `DELETE ${ACCOUNT}/canned_responses/{id}`,
  ),
  ...unserved(
    'Custom attribute definitions are not implemented: contacts and conversations store `custom_attributes` as given, without definitions (which is also why they are not filterable).',
    `GET ${ACCOUNT}/custom_attribute_definitions`,
    `POST ${ACCOUNT}/custom_attribute_definitions`,
    `GET ${ACCOUNT}/custom_attribute_definitions/{id}`,
    `PATCH ${ACCOUNT}/custom_attribute_definitions/{id}`,
    `DELETE ${ACCOUNT}/custom_attribute_definitions/{id}`,
  ),
  ...unserved(
    'Automation rules are not implemented (webhooks and GraphQL subscriptions deliver the events an external automation needs).',
    `GET ${ACCOUNT}/automation_rules`,
    `POST ${ACCOUNT}/automation_rules`,
    `GET ${ACCOUNT}/automation_rules/{id}`,
    `PATCH ${ACCOUNT}/automation_rules/{id}`,
    `DELETE ${ACCOUNT}/automation_rules/{id}`,
  ),
  ...unserved(
    'The Help Center (portals, categories, articles) is outside the API channel.',
    `GET ${ACCOUNT}/portals`,
    `POST ${ACCOUNT}/portals`,
    `PATCH ${ACCOUNT}/portals/{id}`,
    `POST ${ACCOUNT}/portals/{id}/categories`,
    `POST ${ACCOUNT}/portals/{id}/articles`,
  ),
  ...unserved(
    'Reports and reporting events are not served (no metrics are aggregated).',
    `GET ${ACCOUNT}/conversations/{conversation_id}/reporting_events`,
    `GET ${ACCOUNT}/reporting_events`,
    'GET /api/v2/accounts/{account_id}/reports',
    'GET /api/v2/accounts/{account_id}/reports/summary',
    'GET /api/v2/accounts/{account_id}/reports/conversations',
    'GET /api/v2/accounts/{account_id}/reports/conversations/',
  ),
  ...unserved(
    'Integrations (Slack, Dialogflow, ... apps and their hooks) are outside the API channel; account webhooks are served.',
    `GET ${ACCOUNT}/integrations/apps`,
    `POST ${ACCOUNT}/integrations/hooks`,
    `PATCH ${ACCOUNT}/integrations/hooks/{hook_id}`,
    `DELETE ${ACCOUNT}/integrations/hooks/{hook_id}`,
  ),
  ...unserved(
    'Teams cannot be managed yet: a conversation can be assigned to an existing team (`POST …/conversations/{id}/assignments` with `team_id`), but teams and their members have no API.',
    `GET ${ACCOUNT}/teams`,
    `POST ${ACCOUNT}/teams`,
    `GET ${ACCOUNT}/teams/{team_id}`,
    `PATCH ${ACCOUNT}/teams/{team_id}`,
    `DELETE ${ACCOUNT}/teams/{team_id}`,
    `GET ${ACCOUNT}/teams/{team_id}/team_members`,
    `POST ${ACCOUNT}/teams/{team_id}/team_members`,
    `PATCH ${ACCOUNT}/teams/{team_id}/team_members`,
    `DELETE ${ACCOUNT}/teams/{team_id}/team_members`,
  ),
  ...unserved(
    "Saved custom filters are a dashboard feature; the filters themselves are served (`POST …/contacts/filter`, `POST …/conversations/filter`).",
    `GET ${ACCOUNT}/custom_filters`,
    `POST ${ACCOUNT}/custom_filters`,
    `GET ${ACCOUNT}/custom_filters/{custom_filter_id}`,
    `PATCH ${ACCOUNT}/custom_filters/{custom_filter_id}`,
    `DELETE ${ACCOUNT}/custom_filters/{custom_filter_id}`,
  ),
  ...unserved(
    "The CSAT survey page is a web page of Chatwoot's front end; Snypto has no UI.",
    'GET /survey/responses/{conversation_uuid}',
  ),
  ...unserved(
    'A stray path in swagger.json without the `/api/v1` prefix (spec/API.md §9); Chatwoot has no such API route either. The same operation is served at `GET /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages`.',
    'GET /accounts/{account_id}/conversations/{conversation_id}/messages',
  ),
];
