import type { FieldUseService } from '../../access/index.ts';
import type { Catalog, CursorBox } from '../../catalog/index.ts';
import type { ResourceResolver } from '../../usecases/index.ts';
import type { PageCache } from './page-cache.ts';

/** What the public dataset and widget routes need. */
export interface PublicRouteDeps {
  catalog: Catalog;
  /** Which datasets and widgets the calling key may read. */
  resources: ResourceResolver;
  maxPageSize: number;
  /** Longest a query may run before the client gets a 504. */
  queryTimeoutMs: number;
  pageCache: PageCache;
  /** Seals and opens the cursors of dataset pages (`_after`, `data.next`). */
  cursors: CursorBox;
  /** Notes which dataset fields a key's clients filter, sort and select on (see field-use-service.ts). */
  fieldUses: Pick<FieldUseService, 'record'>;
  /** Records how long a query (a cache miss) took, for the metrics. */
  queryTime: (kind: 'dataset' | 'widget', seconds: number) => void;
}
