// `npm run build:specs` (part of `npm run build`): the prebuilt copies of every shipped spec.
import { CONTROL_SPEC, defaultSpecFiles } from './specs.ts';
import { writePrebuiltSpecs } from './prebuilt-specs.ts';

const written = writePrebuiltSpecs([...defaultSpecFiles(), CONTROL_SPEC]);
console.log(`prebuilt specs: ${written.length} written to dist/specs`);
