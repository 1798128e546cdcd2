// GET /themes and GET /voices. Themes are the looks the visualising stage draws in; voices are
// the ones the renderer can speak (voices.ts maps them to Flite), each with a real preview
// recording made on first request and served as a signed file link.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Handler } from '../../engine/handler.ts';
import type { Narrator } from '../../media/speech.ts';
import { fliteVoiceFor, FLITE_VOICE_OF } from './voices.ts';

export const THEMES = [
  { id: 'presentation', name: 'Presentation', description: 'Clean slides-style drawings on a plain board; the default theme.' },
  { id: 'classroom', name: 'Classroom', description: 'Chalk-style sketches for lessons and explainers.' },
  { id: 'storybook', name: 'Storybook', description: 'Warm, hand-drawn illustrations for stories.' },
] as const;

const VOICE_INFO: Record<string, { name: string; description: string; tags: string[] }> = {
  emma: { name: 'Emma', description: 'Warm, friendly female narrator (US English).', tags: ['female', 'en-US', 'warm'] },
  james: { name: 'James', description: 'Calm, clear male narrator (British English).', tags: ['male', 'en-GB', 'calm'] },
};

export const VOICE_IDS = Object.keys(FLITE_VOICE_OF);
export const THEME_IDS = THEMES.map((t) => t.id as string);

export function catalogueHandlers(o: { narrator: Narrator; dir: string; link: (name: string) => string }): Record<string, Handler> {
  // Made once per sandbox; a preview that cannot be made is null (the schema allows it).
  let previews: Promise<Record<string, string | null>> | undefined;
  const makePreviews = async () => {
    const out: Record<string, string | null> = {};
    for (const id of VOICE_IDS) {
      const name = `voice-${id}.wav`;
      try {
        const n = await o.narrator.narrate(`Hello, I am ${VOICE_INFO[id]?.name ?? id}. I will narrate your video.`, fliteVoiceFor(id));
        await writeFile(join(o.dir, name), n.wav);
        out[id] = name;
      } catch (err) {
        console.error(`sketchpen: no preview for voice ${id}:`, err);
        out[id] = null;
      }
    }
    return out;
  };
  return {
    listThemes: () => ({ status: 200, body: THEMES.map((t) => ({ ...t })) }),
    listVoices: async ({ baseUrl }) => {
      const files = await (previews ??= makePreviews());
      return {
        status: 200,
        body: {
          voices: VOICE_IDS.map((id) => ({
            id,
            name: VOICE_INFO[id]?.name ?? id,
            description: VOICE_INFO[id]?.description ?? '',
            tags: VOICE_INFO[id]?.tags ?? [],
            preview_url: files[id] ? `${baseUrl}${o.link(files[id]!)}` : null,
          })),
        },
      };
    },
  };
}
