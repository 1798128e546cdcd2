// Which Flite voice speaks for each Sketchpen voice id: the one place the two meet. The ids are the
// ones `GET /voices` lists in openapi/sketchpen.yaml (a test keeps the two in step).
import type { FliteVoice } from '../../media/speech.ts';

export const FLITE_VOICE_OF: Readonly<Record<string, FliteVoice>> = {
  emma: 'slt', // warm, friendly female narrator (US English) → Flite's US female voice
  james: 'awb', // calm, clear male narrator (British English) → Flite's Scottish male voice
};

/** The narrator when a video names none (config.voice_id is null). */
export const DEFAULT_VOICE_ID = 'emma';

/** Voices for speakers whose own voice is unknown: distinct from each other, in this order. */
export const SPEAKER_ROTATION: readonly FliteVoice[] = ['slt', 'awb', 'rms', 'kal'];

export class UnknownVoice extends Error {}

export function fliteVoiceFor(voiceId: string | null | undefined): FliteVoice {
  const id = voiceId ?? DEFAULT_VOICE_ID;
  const voice = Object.hasOwn(FLITE_VOICE_OF, id) ? FLITE_VOICE_OF[id] : undefined;
  if (!voice) throw new UnknownVoice(`Unknown voice_id ${JSON.stringify(id)}: the voices are ${Object.keys(FLITE_VOICE_OF).join(', ')}`);
  return voice;
}
