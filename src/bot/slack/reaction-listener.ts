// Reactions on results: :repeat: or :arrows_counterclockwise: re-runs it with a new seed, :x:
// deletes it (the commands layer maps the names). The job is found from stored records by
// channel+ts, so this works on messages from before a restart. The bot's own reactions are
// ignored, and an event Slack redelivers (same event_id) is handled once.
import { handleAction } from '../../commands/handle-action.js';
import { respond } from '../core/run-outcome.js';
import { notifyUser } from './notify-user.js';
import type { RecentIds } from './recent-ids.js';
import { slackRequester } from './slack-requester.js';
import { slackTarget, type SlackHandlerDeps } from './slack-target.js';

export interface ReactionDeps extends SlackHandlerDeps {
  readonly seenEvents: RecentIds;
}

export interface ReactionArgs {
  readonly event: {
    readonly user: string;
    readonly reaction: string;
    readonly item: { readonly type: string; readonly channel?: string; readonly ts?: string };
  };
  readonly body: { readonly event_id: string; readonly team_id?: string };
}

export function createReactionListener(deps: ReactionDeps): (args: ReactionArgs) => Promise<void> {
  return async ({ event, body }) => {
    const { item } = event;
    if (item.type !== 'message' || item.channel === undefined || item.ts === undefined) return;
    if (event.user === deps.botUserId()) return;
    if (deps.seenEvents.seen(body.event_id)) {
      deps.logger.debug({ eventId: body.event_id }, 'slack: redelivered reaction ignored');
      return;
    }
    const where = { channelId: item.channel, userId: event.user };
    const message = { platform: 'slack' as const, channelId: item.channel, messageId: item.ts };
    const target = slackTarget(deps, {
      ...where,
      answer: (text) => notifyUser(deps.client, deps.logger, where, text),
      announceAccepted: false,
      logContext: { eventId: body.event_id, reaction: event.reaction, user: event.user },
    });
    const requester = slackRequester({ ...where, ...(body.team_id === undefined ? {} : { teamId: body.team_id }) });
    await respond(() => handleAction({ kind: 'reaction', emoji: event.reaction, message }, requester, deps.commands), target, deps);
  };
}
