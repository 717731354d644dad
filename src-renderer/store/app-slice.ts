import type { AppInfo } from '../../src-main/engine/api/model';
import type { ApiCallError } from '../api/call';
import type { ConnectionState } from '../api/http-bridge';
import type { Route } from './route';
import type { SliceCreator } from './store';

export type Notice = { id: number; tone: 'info' | 'error' | 'success'; text: string };

export type AppSlice = {
  route: Route;
  info: AppInfo | null;
  infoError: ApiCallError | null;
  /** The browser session has no token cookie: every screen gives way to the "open the printed address" screen. */
  unauthorized: boolean;
  connection: ConnectionState;
  notices: Notice[];
  navigate(route: Route): void;
  loadInfo(): Promise<void>;
  notify(tone: Notice['tone'], text: string): void;
  dismissNotice(id: number): void;
  setConnection(state: ConnectionState): void;
  setUnauthorized(): void;
};

let nextNoticeId = 1;

export const createAppSlice: SliceCreator<AppSlice> = (set, get, { call, guard }) => ({
  route: { name: 'pairs' },
  info: null,
  infoError: null,
  unauthorized: false,
  connection: 'connected',
  notices: [],
  navigate: (route) => set({ route }),
  async loadInfo() {
    const result = await guard('app/info', () => call('app/info', {}));
    if (result.ok) set({ info: result.value, infoError: null });
    else set({ infoError: result.error });
  },
  notify(tone, text) {
    const notice = { id: nextNoticeId++, tone, text };
    set({ notices: [...get().notices.slice(-4), notice] });
  },
  dismissNotice: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }),
  setConnection: (connection) => set({ connection }),
  setUnauthorized: () => set({ unauthorized: true }),
});
