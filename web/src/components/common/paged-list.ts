// A searchable, filterable, paged list from the admin API (`GET /datasets`, `GET /widgets`):
// the state a list page binds to, and `load()`. Only the latest request's answer is kept;
// a search waits 300 ms after the last keystroke; a new search, group or sort starts at page 1.
import { onMounted, ref, watch, type Ref } from 'vue';
import { api } from '../../api.ts';
import { messageOf } from './errors.ts';

interface Page<T> {
  items: T[];
  total: number;
  groups?: string[];
}

export function usePagedList<T>(path: string) {
  const items = ref([]) as Ref<T[]>;
  const total = ref(0);
  const groups = ref<string[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref('');
  const search = ref('');
  const group = ref('');
  const sort = ref<'modified' | 'name'>('modified');
  const page = ref(1);
  const size = ref(20);
  let seq = 0;

  async function load(): Promise<void> {
    const mine = ++seq;
    loading.value = true;
    try {
      const r = await api<Page<T>>('GET', path, {
        query: {
          search: search.value.trim(),
          group: group.value,
          sort: sort.value,
          order: sort.value === 'name' ? 'asc' : 'desc',
          page: page.value,
          size: size.value,
        },
      });
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

  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  watch(search, () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      page.value = 1;
      void load();
    }, 300);
  });
  watch([group, sort], () => {
    page.value = 1;
    void load();
  });
  onMounted(load);

  return { items, total, groups, loading, loaded, error, search, group, sort, page, size, load };
}
