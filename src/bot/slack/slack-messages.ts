// What only the Slack adapter says: the live progress message, the caption of uploaded results,
// and how to invite the bot where it cannot post. Everything else comes from the commands layer's
// replies, rendered by render-reply.ts.
import type { Reply } from '../../commands/reply.js';
import { escapeMrkdwn, renderReply, replyToMrkdwn, type SlackMessage } from './render-reply.js';

export type AccessProblem = 'not_member' | 'private_channel' | 'direct_message' | 'group_message';

export function requestedBy(userId: string): string {
  return `requested by <@${userId}>`;
}

/** The job's own message while it waits or runs: what was asked, then where it stands. */
export function progressMessage(ack: Reply, status: string, requesterId: string): SlackMessage {
  return renderReply(ack, { footer: `${escapeMrkdwn(status)} · ${requestedBy(requesterId)}` });
}

/** initial_comment of the uploaded images: the prompt, notes and every parameter. */
export function resultCaption(result: Reply): string {
  return replyToMrkdwn({ ...result, buttons: [] });
}

export function accessProblemText(problem: AccessProblem, botUserId: string, channelName?: string): string {
  const bot = `<@${botUserId}>`;
  switch (problem) {
    case 'not_member':
      return `I'm not a member of ${channelName === undefined ? 'this channel' : `#${channelName}`}, so I can't post your images here. Invite me with \`/invite ${bot}\` and run the command again.`;
    case 'private_channel':
      return `This is a private channel I'm not in, so I can't post here. Invite me with \`/invite ${bot}\` (or channel details → Integrations → Add apps) and run the command again.`;
    case 'direct_message':
      return `I can't post in a direct message between other people. Run the command in a channel I'm in, or in my own Messages tab (click ${bot} → Message).`;
    case 'group_message':
      return `I'm not part of this group conversation, so I can't post here. Run the command in a channel I'm in (invite me with \`/invite ${bot}\`), or in my Messages tab.`;
  }
}
