/** A workspace's id, wherever one is given: a key is issued for it, and reads and prices name it. */
export const WORKSPACE_ID = /^[A-Za-z0-9_.-]{1,64}$/;
export const WORKSPACE_ID_MESSAGE = 'workspace_id must be 1-64 characters of letters, digits, _ - .';
