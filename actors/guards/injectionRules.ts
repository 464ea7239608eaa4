/**
 * The families of prompt-injection signals: overriding prior instructions, role-play
 * jailbreaks, hidden text, exfiltration, tool-call injection, and impersonating the system.
 */
export type InjectionFamily =
  'override' | 'roleplay' | 'hidden' | 'exfiltration' | 'tool-injection' | 'impersonation';

/** The injection families, in a fixed order. */
export const INJECTION_FAMILIES: readonly InjectionFamily[] = [
  'override',
  'roleplay',
  'hidden',
  'exfiltration',
  'tool-injection',
  'impersonation',
];

/**
 * One screening rule: a pattern and how much a match says (its weight in `(0, 1]`). Patterns
 * run on the normalised text (NFKC, lowercase, invisible characters removed, whitespace
 * collapsed to one space or newline; see `normalizeText`), and on its leetspeak reading; with
 * `compact`, also on the text with all spaces and punctuation removed ("i.g.n.o.r.e"), where the
 * pattern's `\s`, spaces and `\b` are dropped. With `raw`, the pattern runs on the original text.
 */
export interface InjectionRule {
  /** Stable id, `family.name`; findings and neutralised spans carry it. */
  readonly id: string;
  readonly family: InjectionFamily;
  /** How strongly one match indicates an injection, in `(0, 1]`. */
  readonly weight: number;
  readonly pattern: RegExp;
  /** Also match with spaces and punctuation removed. @default false */
  readonly compact?: boolean | undefined;
  /** Match the original text instead of the normalised one. @default false */
  readonly raw?: boolean | undefined;
  readonly description?: string | undefined;
}

// Building blocks, on normalised text (lowercase, single spaces).
const IGNORE = String.raw`(?:ignore|disregard|forget|skip|override|bypass|neglect|discard|abandon|overlook|never mind|nevermind|pay no attention to|set aside|throw out|erase)`;
const DET = String.raw`(?:(?:all|any|every|the|your|my|these|those|of|its|prior|previous)\s)*`;
const PRIOR = String.raw`(?:previous|prior|preceding|earlier|above|former|original|initial|existing|system|foregoing|pre-?set|safety|programmed|developer)`;
const ORDERS = String.raw`(?:instructions?|prompts?|directives?|directions|rules|guidelines|commands|orders|programming|guidance|constraints|restrictions|policies|guardrails|training)`;
const LIMITS = String.raw`(?:rules|restrictions|filters|guidelines|limits|limitations|polic(?:y|ies)|ethics|morals|morality|censorship|boundaries|constraints|guardrails|safeguards)`;
const SECRETS = String.raw`(?:system (?:prompt|message|instructions)|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|original instructions|pre-?prompt|developer (?:prompt|message)|(?:conversation|chat) (?:history|log|transcript)|previous messages|api[ _-]?keys?|secret keys?|access tokens?|credentials|private keys?|session (?:cookies?|tokens?)|env(?:ironment)? variables|passwords? (?:of|for) the user|user'?s? (?:data|messages|emails|passwords?)|(?:every|all|each)\s(?:of\s(?:the|my|your)\s)?(?:messages?|emails?|conversations?|chats?))`;
const PROMPT = String.raw`(?:system prompt|system message|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|original (?:prompt|instructions)|pre-?prompt|developer (?:prompt|message)|secret instructions|confidential instructions|prompt instructions|internal (?:prompt|instructions|rules|guidelines)|context window|(?:instructions|text|prompt) you were (?:given|told|shown))`;
const AI = String.raw`(?:ai|assistant|agent|llm|language model|chatbot|model|gpt|chatgpt|claude|bot|copilot)s?`;

const re = (source: string): RegExp => new RegExp(source, 'u');

/**
 * The built-in rule set. Weights follow how rarely each pattern appears in benign text: literal
 * chat-template tokens and "ignore previous instructions" are near-certain; "pretend you are" is
 * common in harmless play and only counts together with other signals (scores combine, see
 * `createInputScreen`).
 */
export const DEFAULT_INJECTION_RULES: readonly InjectionRule[] = [
  // --- override: instructions to ignore prior instructions ---
  {
    id: 'override.ignore-previous',
    family: 'override',
    weight: 0.9,
    compact: true,
    pattern: re(String.raw`\b${IGNORE}\s${DET}${PRIOR}\s(?:[a-z]+\s)?${ORDERS}\b`),
    description: 'ignore/disregard/forget the previous instructions',
  },
  {
    id: 'override.ignore-all',
    family: 'override',
    weight: 0.75,
    compact: true,
    pattern: re(
      String.raw`\b${IGNORE}\s(?:all|any|every|your)\s(?:of\s)?(?:your\s|the\s|my\s)?${ORDERS}\b`,
    ),
    description: 'ignore all/your instructions',
  },
  {
    id: 'override.forget-everything',
    family: 'override',
    weight: 0.8,
    pattern: re(
      String.raw`\b${IGNORE}\s(?:everything|all|anything|what)\s(?:you\s(?:were|have been|'ve been|are)\s(?:told|given|taught|instructed|programmed)|(?:written\s|said\s)?(?:above|before this|before|so far|until now|prior to this))\b`,
    ),
  },
  {
    id: 'override.stop-following',
    family: 'override',
    weight: 0.8,
    pattern: re(
      String.raw`\b(?:stop|cease|quit|no longer|do not|don't|never)\s(?:following|obeying|follow|obey|adhere to|adhering to|comply with|complying with)\s(?:any\s|all\s)?(?:your|the|those|these|its)\s(?:[a-z]+\s)?${ORDERS}\b`,
    ),
  },
  {
    id: 'override.new-instructions',
    family: 'override',
    weight: 0.65,
    pattern: re(
      String.raw`\byour\s(?:new|real|actual|true|only|updated)\s(?:system\s)?(?:instructions?|task|goal|objective|purpose|role|directive|mission)\s(?:is|are|now)\b|(?:^|\n)\s?(?:new|updated|revised|real)\s(?:system\s)?(?:instructions?|directives?|rules?|policy)\s?:|#{2,6}\s?(?:new\s)?instructions?\s?:`,
    ),
  },
  {
    id: 'override.from-now-on',
    family: 'override',
    weight: 0.35,
    pattern: re(
      String.raw`\bfrom now on,?\s(?:you|your)\s(?:will|must|are|shall|should|answer|respond|reply|only|have)\b`,
    ),
  },
  {
    id: 'override.without-limits',
    family: 'override',
    weight: 0.6,
    pattern: re(
      String.raw`\b(?:answer|respond|reply|act|operate|behave|speak|talk|write|output)\s(?:freely\s|now\s)?without\s(?:any\s)?(?:[a-z]+\s)?${LIMITS}\b|\bno\s(?:ethical|moral|content|safety)\s${LIMITS}\b|\b(?:unfiltered|uncensored|unrestricted|jailbroken)\s(?:ai|assistant|model|mode|version|response|answer|output|chatbot|persona)\b`,
    ),
  },
  {
    id: 'override.disable-safety',
    family: 'override',
    weight: 0.75,
    pattern: re(
      String.raw`\b(?:turn off|disable|deactivate|remove|bypass|switch off|lift|drop)\s(?:all\s(?:of\s)?)?your\s(?:[a-z]+\s)?(?:safety|content|moderation|ethical|ethics)?\s?(?:checks|filters?|guardrails|restrictions|protocols|safeguards|policies|moderation|limits|limitations)\b|\b(?:comply with|obey|fulfil?l|answer|follow)\s(?:all|every|any)\s(?:[a-z]+\s)?(?:requests?|questions?|commands?|prompts?|orders)\b[\s\S]{0,40}?\b(?:without|no)\s(?:any\s)?(?:refus\w*|restrictions?|filters?|question(?:s|ing)?|hesitation|exceptions?|warnings?)`,
    ),
  },
  {
    id: 'override.reset-context',
    family: 'override',
    weight: 0.5,
    pattern: re(
      String.raw`\b(?:reset|clear|wipe|erase|flush)\s(?:your|the)\s(?:context|memory|instructions|conversation|prompt|programming)\b`,
    ),
  },
  {
    id: 'override.multilingual',
    family: 'override',
    weight: 0.85,
    pattern: re(
      String.raw`\bignore[zr]?\s(?:toutes\s)?(?:les\s)?(?:instructions|consignes)\s(?:precedentes|ci-dessus|anterieures)\b|\b(?:ignoriere|vergiss|missachte|ignorieren sie|vergessen sie)\s(?:alle\s)?(?:vorherigen|bisherigen|obigen|vorigen)\s(?:anweisungen|instruktionen|regeln|befehle)\b|\b(?:ignora|olvida)\s(?:todas\s)?(?:las\s)?(?:instrucciones|reglas)\s(?:anteriores|previas)\b|\bignora\s(?:tutte\s)?(?:le\s)?(?:istruzioni|regole)\s(?:precedenti)\b|\b(?:ignore|esqueca)\s(?:todas\s)?(?:as\s)?(?:instrucoes|regras)\s(?:anteriores)\b`,
    ),
  },
  // --- roleplay: jailbreak personas ---
  {
    id: 'roleplay.dan',
    family: 'roleplay',
    weight: 0.85,
    compact: true,
    pattern: re(
      String.raw`\bdo anything now\b|\b(?:you are|you're|pretend to be|act as|acting as|become|roleplay as|play|you will be|respond as|answer as)\s(?:now\s)?(?:a\s)?(?:dan|stan|dude|aim|betterdan|mongo tom)\b|\bstrive to avoid norms\b|\balways intelligent and machiavellian\b`,
    ),
  },
  {
    id: 'roleplay.special-mode',
    family: 'roleplay',
    weight: 0.8,
    pattern: re(
      String.raw`\b(?:you are|you're|you will|act|now|chatgpt|${AI})\s(?:now\s)?(?:in|with|enter|entering|running in|switched to|switch to)\s(?:the\s)?(?:developer|dev|god|debug|jailbreak|jailbroken|dan|unrestricted|evil|unfiltered|sudo|admin|maintenance)\smode\b|\b(?:developer|god|jailbreak|dan|unrestricted|evil|unfiltered)\smode\s(?:enabled|activated|engaged)\b|\b(?:sudo|root|admin|god|jailbreak|dan)\smode\s(?:is\s)?(?:on|enabled|activated|engaged)\b|\b(?:enable|activate|enter|unlock)\s(?:the\s)?(?:jailbreak|jailbroken|dan|unrestricted|evil|unfiltered|god)\smode\b`,
    ),
  },
  {
    id: 'roleplay.unrestricted-persona',
    family: 'roleplay',
    weight: 0.85,
    pattern: re(
      String.raw`\b(?:pretend|imagine|act as|acting as|roleplay|role-play|role play|you are now|you're now|you will be|you will now be|simulate|play the role|play the part|become|from now on you are|you are|you're|you'll be)\b[\s\S]{0,160}?(?:\b(?:no|without|free(?:d)? (?:from|of)|not bound by|(?:doesn't|does not|don't|do not|never) (?:have|follow|obey|care about|abide by)|never (?:refuses?|says? no|declines?)|ignores?|bypass(?:es)?|above|beyond|unbound by)\s(?:any\s|all\s)?(?:[a-z]+\s)?${LIMITS}\b|\b(?:unrestricted|unfiltered|uncensored|amoral|unethical|evil|rogue|jailbroken)\s(?:[a-z]+\s)?(?:ai|assistant|model|chatbot|version|persona|character|entity|llm)\b)`,
    ),
  },
  {
    id: 'roleplay.pretend',
    family: 'roleplay',
    weight: 0.3,
    pattern: re(
      String.raw`\b(?:pretend|imagine)\s(?:that\s)?(?:you are|you're|to be|you have)\b|\byou are now\b|\bact as (?:a|an|my)\b|\bstay in character\b`,
    ),
  },
  {
    id: 'roleplay.grandma',
    family: 'roleplay',
    weight: 0.5,
    pattern: re(
      String.raw`\b(?:deceased|dead|late)\sgrand(?:ma|mother|pa|father)\b[\s\S]{0,120}?\b(?:used to|would)\s(?:tell|read|recite|sing|give)\b`,
    ),
  },
  // --- exfiltration ---
  {
    id: 'exfiltration.reveal-prompt',
    family: 'exfiltration',
    weight: 0.8,
    compact: true,
    pattern: re(
      String.raw`\b(?:reveal|print|repeat|output|dump|leak|disclose|recite|spell out|write out|show me|tell me|give me|display|share|paste|translate|summarize|encode|quote|copy|list)\s(?:me\s)?(?:all\s|exactly\s|verbatim\s|word for word\s|everything\s(?:in|from)\s)?(?:your|its|this assistant's|the assistant's|the model's|the ai's)\s(?:full\s|entire\s|complete\s|exact\s)?${PROMPT}\b|\b(?:reveal|print|repeat|output|dump|leak|disclose|recite|spell out|write out)\s(?:me\s)?(?:all\s|exactly\s|verbatim\s)?(?:your|the)\s(?:full\s|entire\s|complete\s|exact\s)?(?:instructions|rules|guidelines|prompt)\b|\bwhat (?:is|are|was|were) your\s(?:full\s|exact\s)?${PROMPT}\b|\b(?:what\s)?instructions\s(?:did|have|has)\s(?:your|the)\s(?:developers?|creators?|makers?|owners?|company|operators?|programmers?)\s(?:give|gave|given|provide|set|written)\b|\b(?:text|instructions|words|prompt)\s(?:you were|you've been|you have been)\s(?:given|told|shown|provided)\s(?:before|above|earlier|at the start|prior)|\b(?:repeat|print|output|dump|recite|reveal|spell out|write out)\s(?:all\s)?(?:the\s)?(?:words|text|everything|instructions)\s(?:above|before this)\b`,
    ),
  },
  {
    id: 'exfiltration.send-secrets',
    family: 'exfiltration',
    weight: 0.85,
    pattern: re(
      String.raw`\b(?:send|forward|email|e-mail|post|upload|transmit|leak|exfiltrate|submit|append|attach|include|encode|copy|write)\b[\s\S]{0,60}?\b${SECRETS}\b(?!\s(?:form|page|screen|policy|reset|field|manager|rotation|template))[\s\S]{0,80}?\b(?:to|at|into|in|via|as)\s(?:https?:|www\.|\S+@\S+\.\S+|[\w-]+\.(?:com|net|org|io|xyz|ru|cn|tk|site|info|biz|co)\b|(?:this|that|the following|my|our|an external|the attacker'?s?)\s(?:url|address|endpoint|webhook|server|link|image|site|email|domain))`,
    ),
  },
  {
    id: 'exfiltration.markdown-image',
    family: 'exfiltration',
    weight: 0.75,
    raw: true,
    pattern:
      /!\[[^\]]{0,200}\]\(\s*<?https?:\/\/[^)\s?]{1,300}\?[^)\s]{0,500}?(?:(?<=[?&])(?:data|d|q|c|chat|conv|conversation|history|prompt|secret|key|token|pw|pass|password|msg|message|leak|exfil|summary|context|info|payload|p)=|=[^)\s&]{0,300}?(?:\{|\[|<|\$|%7b|%3c|%24))/iu,
  },
  {
    id: 'exfiltration.render-data',
    family: 'exfiltration',
    weight: 0.6,
    pattern: re(
      String.raw`\b(?:render|display|include|output|insert|embed|append|add|show)\b[\s\S]{0,40}?\b(?:markdown\s)?(?:image|img|link|url|hyperlink|pixel)\b[\s\S]{0,80}?\b(?:with|containing|including|append(?:ing)?|add(?:ing)?|where|whose|that contains|encod(?:e|ing))\b[\s\S]{0,60}?\b(?:conversation|chat history|history|previous messages|secrets?|passwords?|api keys?|the user'?s?|user (?:data|input|messages?)|summary of (?:the|our|this) (?:conversation|chat)|personal (?:data|information))\b`,
    ),
  },
  {
    id: 'exfiltration.link-template',
    family: 'exfiltration',
    weight: 0.5,
    raw: true,
    pattern: /\]\(\s*<?https?:\/\/[^)\s?]{1,300}\?[^)\s]{0,500}?=(?:\{|\$\{|<|%7b|%3c)/iu,
  },
  {
    id: 'exfiltration.disclose-data',
    family: 'exfiltration',
    weight: 0.65,
    pattern: re(
      String.raw`\b(?:disclose|reveal|leak|expose|dump|share|list|print)\s(?:all\s|the\s|every\s)?(?:user'?s?|customer'?s?|stored|saved|private|other users'?)\s(?:emails?|passwords?|data|messages|addresses|credentials|records|secrets|api keys?|tokens?|phone numbers?)\b`,
    ),
  },
  {
    id: 'exfiltration.url-template',
    family: 'exfiltration',
    weight: 0.55,
    raw: true,
    pattern:
      /https?:\/\/[^\s)?]{1,300}\?[^\s)]{0,300}?=(?:<|\{|\[|%3c|%7b)|!\[[^\]]{0,200}\]\(\s*<?https?:\/\/[^)\s?]{1,300}\?[^)\s]{0,500}?=[A-Z][A-Z0-9]*_[A-Z0-9_]+/u,
  },
  {
    id: 'exfiltration.url-append',
    family: 'exfiltration',
    weight: 0.6,
    pattern: re(
      String.raw`https?:\/\/\S{1,300}=\s?(?:followed by|plus|\+|and append|appending|with)\s(?:the\s)?(?:user'?s?|your|their|my)\s(?:[a-z]+\s)?(?:name|email|password|data|messages?|conversation|history|address|token|key|secrets?)\b`,
    ),
  },
  {
    id: 'exfiltration.sensitive-file',
    family: 'exfiltration',
    weight: 0.6,
    pattern: re(
      String.raw`\b(?:contents?|read|cat|print|send|output|dump|upload|attach)\b[\s\S]{0,40}?(?:~\/\.ssh\/|\bid_rsa\b|\/etc\/passwd|\/etc\/shadow|\.aws\/credentials|\.git-credentials|\.netrc\b|\.npmrc\b|\.pgpass\b)`,
    ),
  },
  // --- tool-call injection in retrieved content ---
  {
    id: 'tool-injection.fake-call',
    family: 'tool-injection',
    weight: 0.55,
    pattern: re(
      String.raw`["']?(?:tool_calls?|function_call|tool_use|tool_code)["']?\s?:|\{\s?["'](?:name|tool|function|tool_name)["']\s?:\s?["'][\w.-]+["']\s?,\s?["'](?:arguments|args|parameters|input|params)["']\s?:`,
    ),
  },
  {
    id: 'tool-injection.call-tag',
    family: 'tool-injection',
    weight: 0.75,
    pattern: re(
      String.raw`<\s?(?:tool_call|function_calls?|tool_use|tool_code|antml:invoke|invoke name)\b|<\|(?:tool_call|python_tag|plugin)\|>|\[tool_calls?\]`,
    ),
  },
  {
    id: 'tool-injection.imperative',
    family: 'tool-injection',
    weight: 0.6,
    pattern: re(
      String.raw`\b(?:call|invoke|use|run|execute|trigger)\s(?:the\s)?(?!(?:the|a|an|this|that|same|following|right|correct|appropriate)\s)[\x60"']?[\w.-]+[\x60"']?\s(?:tool|function|plugin|action|api|command)\b[\s\S]{0,30}?\b(?:with|using|passing|on|for)\b[\s\S]{0,80}?(?:\{|"|=|:|\bto\b|\d)|\b(?:use|call|invoke|run)\s(?:the\s)?(?!(?:the|a|an|this|that|same|following|right|correct|appropriate)\s)[\x60"']?[\w.-]+[\x60"']?\s(?:tool|function|plugin)\sto\s(?:open|visit|fetch|send|post|execute|run|delete|download|upload|transfer|email)\b[\s\S]{0,60}?https?:`,
    ),
  },
  {
    id: 'tool-injection.ai-directive',
    family: 'tool-injection',
    weight: 0.7,
    pattern: re(
      String.raw`\b(?:note|message|instructions?|attention|important|notice|directive|p\.?s\.?)\s(?:to|for)\s(?:the\s|any\s|all\s)?(?:ai|assistant|agent|llm|language model|chatbot|model|gpt|chatgpt|claude|bot|copilot|automated system|scraper|crawler)s?\b|\bif you are an? (?:ai|llm|assistant|language model|chatbot|ai model|automated agent|ai agent|bot)\b|\b(?:ai|llm|language model|assistant|agent|chatbot)s?(?:\s(?:agents?|assistants?|models?|systems?|bots?))?\s(?:reading|processing|summarizing|parsing|browsing|handling|analy[sz]ing) this\b|\b(?:dear|hey|hello|hi|attention|psst),?\s(?:the\s)?(?:ai|assistant|llm|language model|chatbot|gpt|chatgpt|claude|bot|ai agent|copilot)\b`,
    ),
  },
  // --- impersonation of the system prompt ---
  {
    id: 'impersonation.end-of-input',
    family: 'impersonation',
    weight: 0.35,
    pattern: re(
      String.raw`\bend of (?:the\s)?(?:user\s)?(?:message|input|prompt|document|context|conversation)\b`,
    ),
  },
  {
    id: 'impersonation.chat-tokens',
    family: 'impersonation',
    weight: 0.9,
    pattern: re(
      String.raw`<\|\s?(?:im_start|im_end|system|user|assistant|endoftext|start_header_id|end_header_id|eot_id|begin_of_text|end_of_turn|start_of_turn)\s?\|>|\[\/?inst\]|<<\/?sys>>|<\/?start_of_turn>|<\/?end_of_turn>`,
    ),
  },
  {
    id: 'impersonation.system-header',
    family: 'impersonation',
    weight: 0.75,
    pattern: re(
      String.raw`(?:^|\n)\s?(?:#{1,6}\s?(?:system|developer|admin)\b(?:\s(?:message|prompt|instructions?|override|update))?\s?:?|\[(?:system|developer|admin)(?:\s(?:message|prompt|note|override))?\]|<\/?(?:system|system_prompt|developer_message|sys)>|(?:system|developer)\s(?:prompt|message)(?:\s(?:update|override|change|notice))?\s?:|(?:system|developer)\s(?:override|instructions?|update|notice)\s?:)|\[(?:system|assistant|developer)\]\(#[^)\s]{0,60}\)|["']role["']\s?:\s?["'](?:system|developer)["']`,
    ),
  },
  {
    id: 'impersonation.system-directive',
    family: 'impersonation',
    weight: 0.7,
    pattern: re(
      String.raw`(?:^|\n)\s?(?:system|assistant|admin|root)\s?:\s?[\s\S]{0,60}?\b(?:you are|you must|you will|from now on|ignore|disregard|new instructions|the user is|reveal|override)\b`,
    ),
  },
  {
    id: 'impersonation.authority',
    family: 'impersonation',
    weight: 0.6,
    pattern: re(
      String.raw`\b(?:this is|message from|i am|i'm|we are)\s(?:your\s|the\s)?(?:developers?|creators?|openai|anthropic|makers?|owners?|programmers?|trainers?)\b[\s\S]{0,80}?\b(?:override|authori[sz](?:e|ed|ation)|instruct|command|grant|disable|turn off|debug|unlock|new instructions|test(?:ing)? mode)\b|\b(?:safety|developer|jailbreak|guardrail|content filter|ai|system)\soverride\b|\bas\s(?:your|the)\s(?:administrator|admin|developer|creator|owner|operator)\b[\s\S]{0,60}?\b(?:order|command|instruct|authori[sz]e|require|direct)\w*\syou\b`,
    ),
  },
];
