export const MAX_FRAME_LEN = 69632;
