/** The bench children's lifeline to their parent: see guard.mjs (plain JavaScript, for OpenPDX's server). */
import './guard.mjs';
