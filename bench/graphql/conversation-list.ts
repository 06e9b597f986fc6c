/**
 * The conversation list an agent's inbox view loads: 25 conversations with
 * their last message (and its sender), contact and assignee. The benchmark
 * drives it; the limits test checks that it, and the same list with each
 * conversation's last 20 messages, pass graphql-armor's limits.
 */
const NODE = `
  id displayId status unreadCount lastActivityAt
  contact { id name email }
  assignee { ... on Agent { id name } }
  lastMessage {
    id content messageType createdAt
    sender { ... on Contact { name } ... on Agent { name } ... on AgentBot { name } }
  }`;

const list = (node: string) => `
  query ConversationList($account: ID!) {
    account(id: $account) {
      ... on AccountSuccess {
        data {
          conversations(first: 25, status: ALL) {
            totalCount
            edges { node { ${node} } }
          }
        }
      }
    }
  }`;

export const CONVERSATION_LIST = list(NODE);

export const CONVERSATION_LIST_WITH_MESSAGES = list(`${NODE}
  messages(last: 20) { edges { node { id content sender { ... on Contact { name } ... on Agent { name } } } } }`);
