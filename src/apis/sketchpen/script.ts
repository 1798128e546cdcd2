// The script a video is made from, written deterministically from its prompt and the sandbox seed
// (and, after a regenerate, the generation number and the feedback): same inputs, same scenes.
// 3–8 scenes, each a spoken sentence or two, a visual description of what is drawn, the assets
// that appear in it, and word captions estimated from the speech (narration re-times them from
// the real audio). Fake but plausible content; nothing is sent anywhere.
import { randomUUID } from 'node:crypto';
import { SeededRandom } from '../../core/random.ts';
import { readingSeconds, spreadWords, wordsOf, type WordTiming } from '../../media/word-timing.ts';

export interface ScriptAsset {
  id: string;
  name: string;
  type: 'character' | 'object';
}

export interface ScriptInput {
  prompt: string;
  seed: number | string;
  /** 0 for the first script; each regenerate writes the next */
  generation: number;
  feedback: string;
  /** the video's assets that exist (in config order) and which of them speak */
  assets: ScriptAsset[];
  speakerIds: string[];
  /** scenes of the script this one replaces (a regenerate): feedback asking for fewer or more moves from there */
  previousScenes?: number;
}

export interface ScriptScene {
  id: string;
  speech: string;
  visual_description: string;
  assets: string[];
  captions: WordTiming[];
}

export const MIN_SCENES = 3;
export const MAX_SCENES = 8;

const STOP = new Set(
  'about above after again against also among and another any are around because been before being below between both but by can could did does doing down during each explain explains describe show teach tell make create video videos short simple please into from have having here how its just more most much must need only other our over same should some such than that the their them then there these they this those through under until very what when where which while who whom why will with within without would your you for not all were was has had her his him she one two three four five steps step way ways works work class kids children minute minutes'.split(
    ' ',
  ),
);

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** The prompt as a speakable topic: control characters gone, white space collapsed, at most 12 words. */
export function topicOf(prompt: string): string {
  const words = prompt.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  const lead = /^(please|explain|describe|show|teach|tell|make|create|draw|write|a|an|video|short|simple|about|me|us|how|why|what)$/i;
  let start = 0;
  // Drop an instruction's lead-in ("Explain how …", "A short video about …") but keep a bare "how X works".
  while (start < words.length - 1 && lead.test(words[start]!) && !/^(how|why|what)$/i.test(words[start]!)) start++;
  // Bounded whatever the prompt: a speech line stays far below the 2000 characters a scene may have.
  let topic = words.slice(start, start + 12).join(' ');
  if (topic.length > 120) topic = topic.slice(0, 120).replace(/\s+\S*$/, '') || topic.slice(0, 120);
  topic = topic.replace(/[.!?,;:]+$/, '');
  // "How volcanoes work" is said mid-sentence: a capital that only starts the prompt goes.
  if (/^\p{Lu}\p{Ll}/u.test(topic)) topic = topic.charAt(0).toLowerCase() + topic.slice(1);
  return topic || 'this idea';
}

function keywordsOf(prompt: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of prompt.replace(CONTROL, ' ').split(/[^\p{L}\p{N}'-]+/u)) {
    const w = raw.replace(/^['-]+|['-]+$/g, '');
    const lower = w.toLowerCase();
    if (w.length < 3 || w.length > 24 || STOP.has(lower) || seen.has(lower)) continue;
    seen.add(lower);
    out.push(lower);
    if (out.length >= 8) break;
  }
  return out;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Caption timings estimated from the words alone, as a reader would pace them. */
export function estimatedCaptions(speech: string): WordTiming[] {
  const words = wordsOf(speech);
  if (!words.length) return [];
  const duration = readingSeconds(words);
  return spreadWords(words, 0, duration - 0.3);
}

const OPENERS = ['Let us explore {topic}.', 'Today we look at {topic}.', 'Here is a quick tour of {topic}.', 'Ever wondered about {topic}? Let us find out.'];
const POINTS = [
  'First, think about {k}.',
  'Next, {k} plays a key part.',
  'Notice how {k} connects to {k2}.',
  'Here is where {k} really matters.',
  'Then {k} changes everything around it.',
  'A simple way to picture {k} is as a chain of small steps.',
  'Keep {k} in mind, because it comes back later.',
  'Now compare {k} with {k2}.',
];
const VISUALS = [
  'A labelled sketch of {k} with arrows pointing to {k2}',
  'A simple diagram of {k} drawn in three boxes',
  'A hand-drawn timeline with {k} at its centre',
  'Two circles, {k} and {k2}, joined by a curved arrow',
  'A close-up drawing of {k} with a magnifying glass',
  'A flow chart from {k} to {k2}',
  'A stick figure pointing at a drawing of {k}',
  'A cut-away view of {k}, each layer labelled',
];
const CLOSERS = ['And that is {topic}, in a nutshell.', 'So now you know the basics of {topic}.', 'That wraps up {topic}. Thanks for watching.'];
const MOTIFS = ['lightbulb', 'star', 'question mark', 'pencil', 'globe'];

/** The scenes of one script (fresh scene ids, deterministic content). */
export function writeScript(input: ScriptInput): ScriptScene[] {
  const r = new SeededRandom(`${input.seed}|${input.generation}|${input.feedback}|${input.prompt}`);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r.next() * xs.length)]!;
  const topic = topicOf(input.prompt);
  const keys = keywordsOf(input.prompt);
  const words = keys.length >= 2 ? keys : [...keys, 'the idea', 'the bigger picture'].slice(0, Math.max(2, keys.length + 1));
  let count = MIN_SCENES + Math.floor(r.next() * (MAX_SCENES - MIN_SCENES + 1));
  const from = input.previousScenes ?? count;
  if (/\b(fewer|shorter|less|brief)\b/i.test(input.feedback)) count = Math.max(MIN_SCENES, from - 2);
  else if (/\b(more|longer|detail|deeper)\b/i.test(input.feedback)) count = Math.min(MAX_SCENES, from + 2);

  const speakers = input.assets.filter((a) => input.speakerIds.includes(a.id));
  const objects = input.assets.filter((a) => !input.speakerIds.includes(a.id));
  const fill = (t: string, i: number) => t.replaceAll('{topic}', topic).replaceAll('{k}', words[i % words.length]!).replaceAll('{k2}', words[(i + 1) % words.length]!);

  return Array.from({ length: count }, (_, i) => {
    const last = i === count - 1;
    const speech = i === 0 ? fill(pick(OPENERS), i) : last ? fill(pick(CLOSERS), i) : fill(pick(POINTS), i - 1);
    let visual =
      i === 0
        ? `A title card reading "${capital(topic)}" with a hand-drawn ${pick(MOTIFS)}`
        : last
          ? `A checklist summing up ${words.slice(0, 3).join(', ')}`
          : fill(pick(VISUALS), i - 1);
    // Speakers take turns; objects appear one per scene in turn.
    const assets: string[] = [];
    const speaker = speakers.length ? speakers[i % speakers.length] : undefined;
    const object = objects.length ? objects[i % objects.length] : undefined;
    if (speaker) assets.push(speaker.id);
    if (object) assets.push(object.id);
    const shown = [speaker, object].filter((a): a is ScriptAsset => a !== undefined).map((a) => a.name);
    if (shown.length) visual += `, with ${shown.join(' and ')}`;
    return { id: randomUUID(), speech, visual_description: visual, assets, captions: estimatedCaptions(speech) };
  });
}
