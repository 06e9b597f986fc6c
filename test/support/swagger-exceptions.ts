/**
 * Where Chatwoot's real behaviour contradicts its swagger.json, each entry
 * widens one place of one schema with what the behaviour sends there. Every
 * entry cites the spec/API.md statement (flagged [docs≠code] where API.md
 * flags it) or Chatwoot's code that overrules swagger; test/rest/swagger.test.ts
 * fails when an entry is no longer needed by any response.
 *
 * Most entries are `null`s: swagger is OpenAPI 3.0, whose types exclude null
 * unless `nullable: true`, and Chatwoot's jbuilder views render a nil column
 * as `null` wherever API.md shows one.
 */

export interface SchemaException {
  /** A component schema (`contact`) or one response of an operation (`GET /api/v1/accounts/{account_id}/webhooks 200`). */
  schema: string;
  /** Where in that schema: a dotted property path, `[]` for array items (`payload[].email`); '' for the whole schema. */
  path: string;
  /** JSON Schema of what the behaviour sends there, accepted besides what swagger says. */
  allow: Record<string, unknown>;
  /** The spec/API.md statement (or Chatwoot's code) that contradicts swagger. */
  why: string;
}

const NULL = { type: 'null' };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** One `null` entry for each path, with the same reason. */
const nullAt = (schema: string, paths: string[], why: string): SchemaException[] =>
  paths.map((path) => ({ schema, path, allow: NULL, why }));

const ACCOUNT = '/api/v1/accounts/{account_id}';
const CONVERSATION = `${ACCOUNT}/conversations/{conversation_id}`;

/** The contact `meta.sender` that swagger inlines into each conversation schema (a `Contact`, spec/API.md §2.5). */
const SENDER_WHY =
  'spec/API.md §2.5: meta.sender is a Contact (§2.1), whose "phone_number": "+1…|null" and "identifier": "ext-id|null" are null when not set';

export const SWAGGER_EXCEPTIONS: SchemaException[] = [
  // Error bodies (spec/API.md §1.4).
  {
    schema: 'bad_request_error',
    path: 'errors[]',
    allow: { type: 'string' },
    why: 'spec/API.md §1.4: without credentials the body is {"errors":["You need to sign in or sign up before continuing."]}, an array of strings',
  },

  // Inbox (spec/API.md §2.3).
  ...nullAt(
    'inbox',
    [
      'greeting_message',
      'out_of_office_message',
      'working_hours[].open_hour',
      'working_hours[].open_minutes',
      'working_hours[].close_hour',
      'working_hours[].close_minutes',
      'callback_webhook_url',
      'business_name',
      'widget_color',
      'website_url',
      'welcome_title',
      'welcome_tagline',
      'web_widget_script',
      'website_token',
      'selected_feature_flags',
      'reply_time',
      'messaging_service_sid',
      'phone_number',
      'provider',
    ],
    'spec/API.md §2.3 renders these as null for an API-channel inbox (closed days have null hours)',
  ),
  {
    schema: `GET ${ACCOUNT}/inboxes/{id}/agent_bot 200`,
    path: '',
    allow: { type: 'object', properties: { agent_bot: ref('agent_bot') } },
    why: 'spec/API.md §3.1 [docs≠code]: swagger says 204 with an agent_bot; the code answers 200 {"agent_bot":{…}} or {} when none',
  },
  {
    schema: `POST ${ACCOUNT}/inboxes/{id}/set_agent_bot 200`,
    path: '',
    allow: NULL,
    why: 'spec/API.md §3.1 [docs≠code]: swagger says set_agent_bot returns 204; the code answers 200 with an empty body',
  },
  {
    schema: 'inbox_contact',
    path: 'provider',
    allow: NULL,
    why: 'spec/API.md §2.2: InboxSlim has "provider": null for an API inbox',
  },

  // Agents (spec/API.md §2.4).
  {
    schema: 'agent',
    path: 'availability_status',
    allow: { enum: ['online'] },
    why: 'spec/API.md §2.4 and §1.7: availability_status is online|busy|offline; swagger says available instead of online',
  },

  // Profile (spec/API.md §4).
  {
    schema: 'user',
    path: 'accounts[].active_at',
    allow: NULL,
    why: "Chatwoot renders `json.active_at account_user.active_at`, a nullable column set only when the user switches to the account (spec/API.md §4 lists active_at)",
  },

  ...nullAt(
    'user',
    ['account_id', 'role'],
    "Chatwoot's user views render `active_account_user&.account_id` and `&.role`: null for a user in no account (a Platform API user before it is added to one)",
  ),

  {
    schema: 'user',
    path: 'inviter_id',
    allow: NULL,
    why: "Chatwoot's profile view renders `json.inviter_id resource.active_account_user&.inviter_id`: null for a user nobody invited (an account's first administrator)",
  },

  // Agent bots.
  {
    schema: 'agent_bot',
    path: 'account_id',
    allow: NULL,
    why: "Chatwoot's agent bot views render `json.account_id resource.account_id`: null for a bot of no account (Platform API bots, system bots: spec/API.md §1.2)",
  },
  ...nullAt(
    'agent_bot',
    ['description', 'outgoing_url'],
    "Chatwoot's agent bot views render `json.description resource.description` and `json.outgoing_url resource.outgoing_url`: null for a bot created without them (only `name` is required)",
  ),

  // Contacts (spec/API.md §3.4).
  {
    schema: 'contact_meta',
    path: 'count',
    allow: NULL,
    why: 'spec/API.md §3.4: GET /contacts/search with a blank q answers {"meta":{"count":null,"current_page":1},"payload":[]}',
  },
  {
    schema: 'contact_meta',
    path: 'current_page',
    allow: { const: 1 },
    why: 'Chatwoot sets `@current_page = params[:page] || 1`: the query string when a page is asked for, the integer 1 when none is (spec/API.md §3.4 shows "current_page":1)',
  },
  {
    schema: `POST ${ACCOUNT}/contacts 200`,
    path: '',
    allow: {
      type: 'object',
      required: ['payload'],
      properties: {
        payload: {
          type: 'object',
          required: ['contact', 'contact_inbox'],
          properties: {
            contact: ref('contact_list_item'),
            contact_inbox: {
              type: 'object',
              properties: { inbox: { type: ['object', 'null'] }, source_id: { type: ['string', 'null'] } },
            },
          },
        },
      },
    },
    why: 'spec/API.md §3.4: POST /contacts answers {"payload":{"contact":Contact+contact_inboxes,"contact_inbox":{"inbox":<raw inbox row>|null,"source_id":"…"|null}}}, not swagger\'s extended_contact',
  },
  {
    schema: `PUT ${ACCOUNT}/contacts/{id} 200`,
    path: '',
    allow: ref('contact_show_response'),
    why: 'spec/API.md §3.4 [docs≠code]: swagger documents PUT /contacts/{id} returning 204; the code returns 200 {"payload":Contact} (PATCH too)',
  },

  // Conversations (spec/API.md §2.5, §3.5).
  {
    schema: 'conversation',
    path: 'status',
    allow: { enum: ['snoozed'] },
    why: 'spec/API.md §1.7: conversations.status is open|resolved|pending|snoozed',
  },
  {
    schema: 'conversation',
    path: 'timestamp',
    allow: { type: 'integer' },
    why: 'spec/API.md §2.5 and §1.6: "timestamp" is integer epoch seconds',
  },
  ...nullAt(
    'conversation',
    ['snoozed_until', 'priority', 'sla_policy_id', 'last_non_activity_message'],
    'spec/API.md §2.5: "snoozed_until": null, "priority": null, "sla_policy_id": null and "last_non_activity_message": MessageEvent | null',
  ),
  ...nullAt('conversation_list', ['data.payload[].meta.sender.phone_number', 'data.payload[].meta.sender.identifier'], SENDER_WHY),
  ...nullAt('conversation_show', ['meta.sender.phone_number', 'meta.sender.identifier'], SENDER_WHY),
  ...nullAt('contact_conversations_response', ['payload[].meta.sender.phone_number', 'payload[].meta.sender.identifier'], SENDER_WHY),
  {
    schema: `PATCH ${CONVERSATION} 200`,
    path: '',
    allow: ref('conversation_show'),
    why: 'spec/API.md §3.5: PATCH/PUT /conversations/{id} answers 200 Conversation; swagger documents no body',
  },
  {
    schema: `POST ${CONVERSATION}/assignments 200`,
    path: '',
    allow: NULL,
    why: 'spec/API.md §3.5: assignments answers Agent / AgentBotSlim / raw team JSON / `null` (null when unassigning)',
  },

  // Messages (spec/API.md §2.6, §2.7, §3.6).
  {
    schema: 'message',
    path: 'content',
    allow: NULL,
    why: 'spec/API.md §3.6 [docs≠code]: the code accepts a message without content (e.g. input_select with only content_attributes); it renders "content": null',
  },
  {
    schema: 'message',
    path: 'processed_message_content',
    allow: NULL,
    why: "spec/API.md §2.7: processed_message_content is Chatwoot's copy of content (`message_content&.truncate`), so null with it",
  },
  {
    schema: 'message',
    path: 'source_id',
    allow: NULL,
    why: 'spec/API.md §2.6 and §2.7: "source_id": null when the message has no external id',
  },
  {
    schema: 'message',
    path: 'updated_at',
    allow: { type: 'string', format: 'date-time' },
    why: 'spec/API.md §2.7: MessageEvent "updated_at" is an ISO string (not converted); §9 lists it among the swagger gaps',
  },
  {
    schema: 'message',
    path: 'sender_type',
    allow: { enum: ['Contact', 'User', 'AgentBot', 'Captain::Assistant'] },
    why: 'spec/API.md §2.7 [docs≠code]: swagger says contact/agent/agent_bot; real values are the Rails class names',
  },
  ...nullAt(
    `GET ${CONVERSATION}/messages 200`,
    ['meta.agent_last_seen_at', 'meta.assignee_last_seen_at'],
    'spec/API.md §3.6: meta "agent_last_seen_at":"<iso>|null","assignee_last_seen_at":"<iso>|null"',
  ),
  {
    schema: `DELETE ${CONVERSATION}/messages/{message_id} 200`,
    path: '',
    allow: ref('message'),
    why: 'spec/API.md §3.6: DELETE answers 200 Message with content "This message was deleted"; swagger documents no body',
  },

  // Client API (spec/API.md §5.1, §5.2).
  ...nullAt(
    'public_inbox',
    ['working_hours[].open_hour', 'working_hours[].open_minutes', 'working_hours[].close_hour', 'working_hours[].close_minutes'],
    'spec/API.md §5.1: PublicInbox working_hours are the inbox\'s (§2.3), whose closed days have null hours',
  ),
  {
    schema: 'public_contact',
    path: 'email',
    allow: NULL,
    why: 'spec/API.md §5.1: PublicContact {source_id, pubsub_token, id, name, email, phone_number} renders the contact\'s columns; email is null when not given (§5.2: a contact may be opened with an empty body)',
  },
  {
    schema: 'public_conversation',
    path: 'inbox_id',
    allow: { type: 'integer' },
    why: 'spec/API.md §5.1: PublicConversation inbox_id is the inbox\'s integer id, as everywhere in Chatwoot\'s views; swagger says string',
  },
  ...[
    ['id', { type: 'integer' }],
    ['message_type', { type: 'integer' }],
    ['content_attributes', { type: 'object' }],
    ['created_at', { type: 'integer' }],
    ['conversation_id', { type: 'integer' }],
  ].map(([path, allow]): SchemaException => ({
    schema: 'public_message',
    path: path as string,
    allow: allow as Record<string, unknown>,
    why: 'spec/API.md §5.1: PublicMessage {id, content, message_type (int), content_type, content_attributes, created_at (int), conversation_id (display id)}: integers and a hash, where swagger says strings',
  })),

  // Account webhooks (spec/API.md §3.7).
  {
    schema: `GET ${ACCOUNT}/webhooks 200`,
    path: '',
    allow: {
      type: 'object',
      required: ['payload'],
      properties: { payload: { type: 'object', required: ['webhooks'], properties: { webhooks: { type: 'array', items: ref('webhook') } } } },
    },
    why: 'spec/API.md §3.7: GET /webhooks answers {"payload":{"webhooks":[…]}}, not a bare array',
  },
  {
    schema: 'webhook',
    path: 'name',
    allow: NULL,
    why: 'spec/API.md §3.7: `name` is an optional param; a webhook created without one renders "name": null',
  },
];
