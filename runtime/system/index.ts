export { ActorSystem, ActorSystemOptionsSchema, SHUTDOWN_EVENT } from './ActorSystem.js';
export { createActorSystem } from './createActorSystem.js';
export type {
  ActorSystemOptions,
  ActorSystemDeps,
  SpawnOptions,
  TellOptions,
  AskOptions,
  ActorRef,
  ActorInfo,
  MessageListener,
  StopOptions,
  GracefulStopOutcome,
} from './ActorSystem.js';
export { isActorTemplate } from './ActorTemplate.js';
export type { ActorTemplate, ActorContext, MessageEvent } from './ActorTemplate.js';
export { DeadLetters } from './DeadLetters.js';
export type { DeadLetter, DeadLetterReason, DeadLetterListener } from './DeadLetters.js';
export type { LifecycleEvent, LifecycleListener, ActorStatus, StopReason } from './Lifecycle.js';
export type { OverflowPolicy } from './Mailbox.js';
export { respond, respondTo, replyAddress, REPLY_EVENT } from './respond.js';
export type { ReplyAddress, ReplyEmitted } from './respond.js';
export { createIdGenerator } from './ids.js';
