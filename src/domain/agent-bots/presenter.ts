/**
 * Wire shapes of an agent bot: `api/v1/models/_agent_bot_slim` (an assigned
 * bot) and `api/v1/models/agent_bot` (with its configuration and token).
 */
import type { AccessToken, AgentBot } from '../../generated/prisma/client.ts';

/** `_agent_bot_slim`: an assigned agent bot. */
export function presentAgentBotSlim(bot: AgentBot) {
  return {
    id: bot.id,
    name: bot.name,
    description: bot.description,
    thumbnail: bot.avatarUrl ?? '',
    outgoing_url: bot.outgoingUrl,
    bot_type: bot.botType,
  };
}

/** `agent_bot`: the slim shape with its configuration, account and access token (`GET /inboxes/{id}/agent_bot`). */
export function presentAgentBot(bot: AgentBot & { accessToken: AccessToken | null }) {
  return {
    ...presentAgentBotSlim(bot),
    bot_config: bot.botConfig,
    account_id: bot.accountId,
    access_token: bot.accessToken?.token ?? null,
    system_bot: bot.accountId === null,
  };
}
