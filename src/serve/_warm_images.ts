/**
 * Two small JPEGs decoded once at warm-up, so that the first request pays neither for starting
 * libvips (an 8×8 image that must be resized) nor for instantiating the WebAssembly decoder
 * (a 32×32 image at ferry's input size).
 *
 * @module
 */

const base64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

const HEADER =
  "/9j/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBk" +
  "eFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj" +
  "Y2NjY2P/wAARCAA";

/** Encoded by sharp from a patterned image at quality 50. */
export const WARM_IMAGES: Uint8Array[] = [
  base64(
    HEADER +
      "IAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAH/xAAeEAACAQMFAAAAAAAAAAAAAAABAhEAAzESISJBUf/E" +
      "ABUBAQEAAAAAAAAAAAAAAAAAAAAD/8QAGhEAAwEAAwAAAAAAAAAAAAAAAQIRAANBUf/aAAwDAQACEQMRAD8AlxVREsot" +
      "tSY1Swg4GcRvHkEdHmpSpPysgWdjA8FgN93/2Q==",
  ),
  base64(
    HEADER +
      "gACADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAH/xAAkEAACAQMDAwUAAAAAAAAAAAABAgMREiEAIoITQWIj" +
      "MTJhkv/EABQBAQAAAAAAAAAAAAAAAAAAAAD/xAAcEQEAAgIDAQAAAAAAAAAAAADwAAERMVFxgbH/2gAMAwEAAhEDEQA/" +
      "AIscIou0x0uCA0BQCuT32SEcRqsfeNfVlGNuFDZWv7jQ8tRY4RRdpjpcEBoCgFcnvskI4jVY+8a+rKMbcKGytf3Gh5aa" +
      "s+exY7jqlmEigGNTfaALQvzpnwd8ePfToySUV3uYbLiaIGwlfujJGeWnVLMJFAMam+0AWhfnTPg748e+nRkkorvcw2XE" +
      "0QNhK/dGSM8tNWyYuL5GZFjhFF2mOlwQGgKAVye+yQjiNVj7xr6soxtwobK1/caHlqLHCKLtMdLggNAUArk99khHEarH" +
      "3jX1ZRjbhQ2Vr+40PLTVnz2LHcdUswkUAxqb7QBaF+dM+Dvjx76dGSSiu9zDZcTRA2Er90ZIzy06pZhIoBjU32gC0L86" +
      "Z8HfHj306MklFd7mGy4miBsJX7oyRnlpq2TFxfIzP//Z",
  ),
];
