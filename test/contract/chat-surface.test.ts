// Runs the chat-surface contract against every platform's surface over its fake.
import { describeChatSurfaceContract } from './chat-surface.contract.js';
import { startDiscordWorld, startPlaygroundChatWorld, startSlackWorld } from './chat-worlds.js';

describeChatSurfaceContract('Discord', startDiscordWorld);
describeChatSurfaceContract('Slack', startSlackWorld);
describeChatSurfaceContract('playground', startPlaygroundChatWorld);
