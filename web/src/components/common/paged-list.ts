// A paged list from the admin API: the state a list page binds to, and `load()`. Only the
// latest request's answer is kept (a slow answer never overwrites a newer one). Changing
// a `resetOn` source goes back to page 1 and loads; a `debounceOn` source (a search box)
// does the same once typing pauses, so a word typed costs one request.
import { onMounted, reactive, ref, watch, type Ref, type WatchSource } from 'vue';
import { api } from '../../api.ts';
import { messageOf } from './errors.ts';

/** A page of a list answer (`GET /datasets`, `/widgets`, `/audit`). */
export interface Page<T> {
  items: T[];
  total: number;
  groups?: string[];
}

// 300 ms after the last keystroke: a word typed at any usual speed is one request, and
// the list still follows the search box without a felt delay.
const SEARCH_DEBOUNCE_MS = 300;

export interface PagedListOptions {
  /** Rows per page at first (the pager offers 20, 50 and 100). */
  size?: number;
  /** Sources whose change goes back to page 1 and loads at once (a select). */
  resetOn?: WatchSource[];
  /** Sources whose change goes back to page 1 and loads once typing pauses (a search box). */
  debounceOn?: WatchSource[];
  /** Whether to load when the component mounts (default); a dialog loads when it opens instead. */
  loadOnMount?: boolean;
}

function pagedListState<T>(
  fetchPage: (at: { page: number; size: number }) => Promise<Page<T>>,
  opts: PagedListOptions,
) {
  const items = ref([]) as Ref<T[]>;
  const total = ref(0);
  const groups = ref<string[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref('');
  const page = ref(1);
  const size = ref(opts.size ?? 20);
  let seq = 0;

  async function load(): Promise<void> {
    const mine = ++seq;
    loading.value = true;
    try {
      const r = await fetchPage({ page: page.value, size: size.value });
      if (mine !== seq) return;
      items.value = r.items;
      total.value = r.total;
      groups.value = (r.groups ?? []).filter(Boolean);
      error.value = '';
    } catch (err) {
      if (mine !== seq) return;
      error.value = messageOf(err);
    } finally {
      if (mine === seq) {
        loading.value = false;
        loaded.value = true;
      }
    }
  }

  /** Back to page 1, and load. */
  function restart(): Promise<void> {
    page.value = 1;
    return load();
  }

  /** Loads again after a row was removed; a page left empty goes back one page. */
  function reloadAfterRemove(): Promise<void> {
    if (items.value.length === 1 && page.value > 1) page.value--;
    return load();
  }

  if (opts.resetOn?.length) watch(opts.resetOn, () => void restart());
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (opts.debounceOn?.length) {
    watch(opts.debounceOn, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void restart(), SEARCH_DEBOUNCE_MS);
    });
  }
  /** Back to page 1 and load now, without waiting for typing to pause (Enter in a search box). */
  function restartNow(): Promise<void> {
    clearTimeout(timer);
    return restart();
  }
  if (opts.loadOnMount !== false) onMounted(load);

  return { items, total, groups, loading, loaded, error, page, size, load, restart, restartNow, reloadAfterRemove };
}

/**
 * A list loaded a page at a time through `fetchPage`, from when the component mounts;
 * one reactive object to bind to (`list.items`, `list.page`, `list.error`…).
 */
export function usePagedList<T>(
  fetchPage: (at: { page: number; size: number }) => Promise<Page<T>>,
  opts: PagedListOptions = {},
) {
  return reactive(pagedListState(fetchPage, opts));
}

/** The state `usePagedList` returns, as `PagedTable` takes it. */
export type PagedList<T = unknown> = ReturnType<typeof usePagedList<T>>;

/**
 * The Datasets and Widgets lists (`GET /datasets`, `GET /widgets`): searched by name,
 * filtered by integration group, the latest change first or by name.
 */
export function useSearchableList<T>(path: string) {
  const search = ref('');
  const group = ref('');
  const sort = ref<'modified' | 'name'>('modified');
  /** All, the signed-in admin's favourites, or (widgets) the widgets they created. */
  const scope = ref<'all' | 'starred' | 'mine'>('all');
  const state = pagedListState<T>(
    ({ page, size }) =>
      api<Page<T>>('GET', path, {
        query: {
          search: search.value.trim(),
          group: group.value,
          sort: sort.value,
          order: sort.value === 'name' ? 'asc' : 'desc',
          page,
          size,
          starred: scope.value === 'starred' ? 'true' : undefined,
          mine: scope.value === 'mine' ? 'true' : undefined,
        },
      }),
    { resetOn: [group, sort, scope], debounceOn: [search] },
  );
  return reactive({ ...state, search, group, sort, scope });
}
