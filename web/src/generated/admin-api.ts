// Generated from the admin API's OpenAPI document (/admin/api/openapi.json) by
// `npm run gen:console-types` (scripts/console-types.ts, openapi-typescript). Do not edit:
// change the admin routes' schemas and run the script again.

export type paths = {
    "/admin/api/setup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Whether the first admin still has to be created, and whether this address needs the setup code */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            required: boolean;
                            codeRequired: boolean;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Creates the first admin and signs them in; only while the tenant has no users. From an address other than the loopback one, `code` must be the setup code the server's log shows. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The admin’s email */
                        email: string;
                        password: string;
                        /** @description The setup code from the server's log */
                        code?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            user: {
                                id: string;
                                email: string;
                                /**
                                 * @description What the admin may do: viewer, admin or owner
                                 * @enum {string}
                                 */
                                role: "viewer" | "admin" | "owner";
                            };
                            tenant: {
                                id: string;
                                slug: string;
                                name: string;
                            };
                            /** @description Send it as the x-csrf-token header on every POST, PUT, PATCH and DELETE */
                            csrfToken: string;
                            expiresAt: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in admin, their tenant and the CSRF token */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            user: {
                                id: string;
                                email: string;
                                /**
                                 * @description What the admin may do: viewer, admin or owner
                                 * @enum {string}
                                 */
                                role: "viewer" | "admin" | "owner";
                            };
                            tenant: {
                                id: string;
                                slug: string;
                                name: string;
                            };
                            /** @description Send it as the x-csrf-token header on every POST, PUT, PATCH and DELETE */
                            csrfToken: string;
                            expiresAt: string;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Signs in with email and password; sets the session cookie */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The admin’s email */
                        email: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            user: {
                                id: string;
                                email: string;
                                /**
                                 * @description What the admin may do: viewer, admin or owner
                                 * @enum {string}
                                 */
                                role: "viewer" | "admin" | "owner";
                            };
                            tenant: {
                                id: string;
                                slug: string;
                                name: string;
                            };
                            /** @description Send it as the x-csrf-token header on every POST, PUT, PATCH and DELETE */
                            csrfToken: string;
                            expiresAt: string;
                        };
                    };
                };
            };
        };
        /** Signs out */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Signed out */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The Public API switch, the base URL clients call and the largest page size */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            publicApiEnabled: boolean;
                            publicBaseUrl: string;
                            maxPageSize: number;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/settings/public-api": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Turns the Public API on or off for every key of the tenant (within a second) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        enabled: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            enabled: boolean;
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant’s API keys (no secrets) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            keys: {
                                id: string;
                                name: string;
                                type: string;
                                description: string;
                                /** @description Requests per minute */
                                rateLimit: number;
                                /** @description dgk_… and the last four digits */
                                hint: string;
                                /** @description dgk_, the first four and the last four digits */
                                maskedKey: string;
                                createdAt: string;
                                lastUsedAt: string | null;
                                /** @description When the key stops working (401); null: never */
                                expiresAt: string | null;
                                /** @description Refused (403) until enabled again; bindings are kept */
                                disabled: boolean;
                                /** @description While a rotation’s grace runs: until when the previous secret works */
                                previousValidUntil: string | null;
                                /** @description The networks (CIDR; a bare address is /32 or /128) the key may be used from; empty: any address */
                                allowIps: string[];
                                /** @description The browser origins (scheme://host[:port]) that may read the key’s answers; empty: none */
                                corsOrigins: string[];
                                bindings: {
                                    datasets: {
                                        id: string;
                                        name: string;
                                        /** @description The binding's row scope in the filter language; empty = every row */
                                        where: string;
                                        /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                        scopeError: string | null;
                                        /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                        broken: string | null;
                                    }[];
                                    widgets: {
                                        id: string;
                                        name: string;
                                        /** @description The binding's row scope in the filter language; empty = every row */
                                        where: string;
                                        /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                        scopeError: string | null;
                                        /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                        broken: string | null;
                                    }[];
                                };
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /** Creates a key; the answer carries its secret */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description At most 200 characters */
                        name: string;
                        /** @description Custom (the only type for now) */
                        type?: string;
                        description?: string;
                        /** @description Requests per minute, default 60 */
                        rateLimit?: number;
                        /** @description An ISO 8601 date/time in the future, or a duration from now such as 90d or 12h; null: never */
                        expiresAt?: string | null;
                        /** @description Replaces the allowlist: IPv4/IPv6 addresses or CIDRs, at most 100; [] allows any address */
                        allowIps?: string[];
                        /** @description Replaces the CORS origins: http(s)://host[:port], no path, no * or null, at most 20; [] sends no CORS headers */
                        corsOrigins?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            type: string;
                            description: string;
                            /** @description Requests per minute */
                            rateLimit: number;
                            /** @description dgk_… and the last four digits */
                            hint: string;
                            /** @description dgk_, the first four and the last four digits */
                            maskedKey: string;
                            createdAt: string;
                            lastUsedAt: string | null;
                            /** @description When the key stops working (401); null: never */
                            expiresAt: string | null;
                            /** @description Refused (403) until enabled again; bindings are kept */
                            disabled: boolean;
                            /** @description While a rotation’s grace runs: until when the previous secret works */
                            previousValidUntil: string | null;
                            /** @description The networks (CIDR; a bare address is /32 or /128) the key may be used from; empty: any address */
                            allowIps: string[];
                            /** @description The browser origins (scheme://host[:port]) that may read the key’s answers; empty: none */
                            corsOrigins: string[];
                            bindings: {
                                datasets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                                widgets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                            };
                            /** @description The secret */
                            key: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One key (no secret) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            type: string;
                            description: string;
                            /** @description Requests per minute */
                            rateLimit: number;
                            /** @description dgk_… and the last four digits */
                            hint: string;
                            /** @description dgk_, the first four and the last four digits */
                            maskedKey: string;
                            createdAt: string;
                            lastUsedAt: string | null;
                            /** @description When the key stops working (401); null: never */
                            expiresAt: string | null;
                            /** @description Refused (403) until enabled again; bindings are kept */
                            disabled: boolean;
                            /** @description While a rotation’s grace runs: until when the previous secret works */
                            previousValidUntil: string | null;
                            /** @description The networks (CIDR; a bare address is /32 or /128) the key may be used from; empty: any address */
                            allowIps: string[];
                            /** @description The browser origins (scheme://host[:port]) that may read the key’s answers; empty: none */
                            corsOrigins: string[];
                            bindings: {
                                datasets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                                widgets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Removes a key; clients using it get 401 within a second */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Changes a key’s name, description, rate limit, expiry, allowed addresses or CORS origins; same id, same bindings */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        description?: string;
                        rateLimit?: number;
                        /** @description An ISO 8601 date/time in the future, or a duration from now such as 90d or 12h; null: never */
                        expiresAt?: string | null;
                        /** @description Replaces the allowlist: IPv4/IPv6 addresses or CIDRs, at most 100; [] allows any address */
                        allowIps?: string[];
                        /** @description Replaces the CORS origins: http(s)://host[:port], no path, no * or null, at most 20; [] sends no CORS headers */
                        corsOrigins?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            type: string;
                            description: string;
                            /** @description Requests per minute */
                            rateLimit: number;
                            /** @description dgk_… and the last four digits */
                            hint: string;
                            /** @description dgk_, the first four and the last four digits */
                            maskedKey: string;
                            createdAt: string;
                            lastUsedAt: string | null;
                            /** @description When the key stops working (401); null: never */
                            expiresAt: string | null;
                            /** @description Refused (403) until enabled again; bindings are kept */
                            disabled: boolean;
                            /** @description While a rotation’s grace runs: until when the previous secret works */
                            previousValidUntil: string | null;
                            /** @description The networks (CIDR; a bare address is /32 or /128) the key may be used from; empty: any address */
                            allowIps: string[];
                            /** @description The browser origins (scheme://host[:port]) that may read the key’s answers; empty: none */
                            corsOrigins: string[];
                            bindings: {
                                datasets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                                widgets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                            };
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/admin/api/keys/{id}/disable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Disables the key: its clients get 403 within a second; bindings are kept */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            type: string;
                            description: string;
                            /** @description Requests per minute */
                            rateLimit: number;
                            /** @description dgk_… and the last four digits */
                            hint: string;
                            /** @description dgk_, the first four and the last four digits */
                            maskedKey: string;
                            createdAt: string;
                            lastUsedAt: string | null;
                            /** @description When the key stops working (401); null: never */
                            expiresAt: string | null;
                            /** @description Refused (403) until enabled again; bindings are kept */
                            disabled: boolean;
                            /** @description While a rotation’s grace runs: until when the previous secret works */
                            previousValidUntil: string | null;
                            /** @description The networks (CIDR; a bare address is /32 or /128) the key may be used from; empty: any address */
                            allowIps: string[];
                            /** @description The browser origins (scheme://host[:port]) that may read the key’s answers; empty: none */
                            corsOrigins: string[];
                            bindings: {
                                datasets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                                widgets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/keys/{id}/enable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Enables a disabled key again */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            type: string;
                            description: string;
                            /** @description Requests per minute */
                            rateLimit: number;
                            /** @description dgk_… and the last four digits */
                            hint: string;
                            /** @description dgk_, the first four and the last four digits */
                            maskedKey: string;
                            createdAt: string;
                            lastUsedAt: string | null;
                            /** @description When the key stops working (401); null: never */
                            expiresAt: string | null;
                            /** @description Refused (403) until enabled again; bindings are kept */
                            disabled: boolean;
                            /** @description While a rotation’s grace runs: until when the previous secret works */
                            previousValidUntil: string | null;
                            /** @description The networks (CIDR; a bare address is /32 or /128) the key may be used from; empty: any address */
                            allowIps: string[];
                            /** @description The browser origins (scheme://host[:port]) that may read the key’s answers; empty: none */
                            corsOrigins: string[];
                            bindings: {
                                datasets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                                widgets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/keys/{id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new secret for the key; the previous one works until the grace ends */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description How long the previous secret keeps working, such as 24h (the default), 30m or 0 */
                        grace?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @description The new secret */
                            key: string;
                            previousValidUntil: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/keys/{id}/secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The key’s secret, to copy again (recorded in the audit log) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            key: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/keys/{id}/bindings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Binds datasets and widgets to the key: all or none; binding twice is harmless */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @default [] */
                        datasets?: string[];
                        /** @default [] */
                        widgets?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            type: string;
                            description: string;
                            /** @description Requests per minute */
                            rateLimit: number;
                            /** @description dgk_… and the last four digits */
                            hint: string;
                            /** @description dgk_, the first four and the last four digits */
                            maskedKey: string;
                            createdAt: string;
                            lastUsedAt: string | null;
                            /** @description When the key stops working (401); null: never */
                            expiresAt: string | null;
                            /** @description Refused (403) until enabled again; bindings are kept */
                            disabled: boolean;
                            /** @description While a rotation’s grace runs: until when the previous secret works */
                            previousValidUntil: string | null;
                            /** @description The networks (CIDR; a bare address is /32 or /128) the key may be used from; empty: any address */
                            allowIps: string[];
                            /** @description The browser origins (scheme://host[:port]) that may read the key’s answers; empty: none */
                            corsOrigins: string[];
                            bindings: {
                                datasets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                                widgets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/keys/{id}/bindings/{type}/{rid}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Binds a dataset or widget to the key with a row scope, or changes the scope of its binding
         * @description The scope is a filter in the public filter language over the fields of the dataset (for a widget, of the widget's dataset), applied before aggregation; an empty scope means every row. A scope that does not parse against those fields is refused with 400 INVALID_INPUT naming the problem.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    type: "dataset" | "widget";
                    rid: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        where: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            type: string;
                            description: string;
                            /** @description Requests per minute */
                            rateLimit: number;
                            /** @description dgk_… and the last four digits */
                            hint: string;
                            /** @description dgk_, the first four and the last four digits */
                            maskedKey: string;
                            createdAt: string;
                            lastUsedAt: string | null;
                            /** @description When the key stops working (401); null: never */
                            expiresAt: string | null;
                            /** @description Refused (403) until enabled again; bindings are kept */
                            disabled: boolean;
                            /** @description While a rotation’s grace runs: until when the previous secret works */
                            previousValidUntil: string | null;
                            /** @description The networks (CIDR; a bare address is /32 or /128) the key may be used from; empty: any address */
                            allowIps: string[];
                            /** @description The browser origins (scheme://host[:port]) that may read the key’s answers; empty: none */
                            corsOrigins: string[];
                            bindings: {
                                datasets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                                widgets: {
                                    id: string;
                                    name: string;
                                    /** @description The binding's row scope in the filter language; empty = every row */
                                    where: string;
                                    /** @description Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the binding answer 409 until it is fixed or removed; null when it fits */
                                    scopeError: string | null;
                                    /** @description For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 until it is edited; null when it answers, and for a dataset */
                                    broken: string | null;
                                }[];
                            };
                        };
                    };
                };
            };
        };
        post?: never;
        /** Unbinds a dataset or widget from the key; its clients get 403 within a second */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    type: "dataset" | "widget";
                    rid: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/keys/{id}/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The OpenAPI document the key gets at /api/openapi.json */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description An OpenAPI 3.1 document */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant’s admins */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            users: {
                                id: string;
                                email: string;
                                /**
                                 * @description viewer: reads, no secrets; admin: also keys, bindings, datasets, widgets; owner: also users and tokens
                                 * @enum {string}
                                 */
                                role: "viewer" | "admin" | "owner";
                                createdAt: string;
                                lastSignInAt: string | null;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /** Adds an admin to the tenant (owners only) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        email: string;
                        /** @description At least 8 characters */
                        password: string;
                        /**
                         * @description admin when not given
                         * @enum {string}
                         */
                        role?: "viewer" | "admin" | "owner";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            email: string;
                            /**
                             * @description viewer: reads, no secrets; admin: also keys, bindings, datasets, widgets; owner: also users and tokens
                             * @enum {string}
                             */
                            role: "viewer" | "admin" | "owner";
                            createdAt: string;
                            lastSignInAt: string | null;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Removes an admin and ends their sessions (owners only); not yourself, nor the last owner */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Changes an admin’s role (owners only); the tenant’s last owner stays owner */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description viewer: reads, no secrets; admin: also keys, bindings, datasets, widgets; owner: also users and tokens
                         * @enum {string}
                         */
                        role: "viewer" | "admin" | "owner";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            email: string;
                            /**
                             * @description viewer: reads, no secrets; admin: also keys, bindings, datasets, widgets; owner: also users and tokens
                             * @enum {string}
                             */
                            role: "viewer" | "admin" | "owner";
                            createdAt: string;
                            lastSignInAt: string | null;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/admin/api/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant’s admin tokens, newest first; never their secrets */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tokens: {
                                id: string;
                                name: string;
                                /** @description What the token may do, as an admin of that role */
                                role: string;
                                /** @description dgt_… and the last four characters */
                                hint: string;
                                createdAt: string;
                                /** @description Who created it, as the audit log names them */
                                createdBy: string;
                                /** @description When the token stops working (401); null: never */
                                expiresAt: string | null;
                                /** @description Written at most once a minute */
                                lastUsedAt: string | null;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /** Creates an admin token; its secret is in this answer only */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /**
                         * @description What the token may do: admin (the default) or viewer; never owner
                         * @enum {string}
                         */
                        role?: "viewer" | "admin";
                        /** @description An ISO 8601 date/time in the future, or a duration from now such as 90d or 12h; null: never */
                        expiresAt?: string | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /** @description What the token may do, as an admin of that role */
                            role: string;
                            /** @description dgt_… and the last four characters */
                            hint: string;
                            createdAt: string;
                            /** @description Who created it, as the audit log names them */
                            createdBy: string;
                            /** @description When the token stops working (401); null: never */
                            expiresAt: string | null;
                            /** @description Written at most once a minute */
                            lastUsedAt: string | null;
                            /** @description The secret, dgt_ and 64 hex digits: shown once, stored only as a hash */
                            token: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revokes an admin token: the next request with it is refused (401) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who changed what, when and from where; newest first */
        get: {
            parameters: {
                query?: {
                    page?: number;
                    size?: number;
                    /** @description Only this action, e.g. key.create */
                    action?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                at: string;
                                actor: string;
                                action: string;
                                target: string;
                                detail: string;
                                ip: string;
                            }[];
                            total: number;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Uploads a .csv, .json, .ndjson or .jsonl file (the raw bytes, application/octet-stream); answers its inferred fields and first rows */
        post: {
            parameters: {
                query: {
                    /** @description The file’s name; its extension gives the format */
                    filename: string;
                    /** @description The dataset this upload is meant to reload: the answer then tells what its fields would break */
                    reload?: string;
                    /** @description The format the data writes dates in, read besides ISO 8601 (day and month may have one digit; a time may follow, as in DD.MM.YYYY 08:50:28); API filters stay ISO 8601. Default YYYY-MM-DD */
                    dateFormat?: "YYYY-MM-DD" | "MM/DD/YYYY" | "DD/MM/YYYY" | "DD.MM.YYYY" | "DD-MM-YYYY" | "YYYY/MM/DD";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Pass it to POST /datasets or POST /datasets/{id}/reload within the hour */
                            uploadId: string;
                            filename: string;
                            /** @enum {string} */
                            format: "csv" | "json" | "ndjson";
                            bytes: number;
                            /** @description In file order, types inferred from every record */
                            fields: {
                                name: string;
                                /** @enum {string} */
                                type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            }[];
                            /** @description The first 20 rows, values as the public API gives them */
                            sample: {
                                [key: string]: unknown;
                            }[];
                            /** @description With ?reload=ID: what loading these fields into that dataset would break (they would answer 409) */
                            breaks?: {
                                /** @enum {string} */
                                kind: "widget" | "scope" | "field";
                                /** @description The widget, or the dataset or widget the scope is bound to, or (field) the dataset */
                                id: string;
                                name: string;
                                /** @description For a scope: its key; for a field: the key whose clients used it (never the key's secret) */
                                key?: {
                                    id: string;
                                    name: string;
                                };
                                /** @description For a field: its name, as the clients used it */
                                field?: string;
                                /** @description For a field: how the clients used it (filters, _sort, _fields or $filter, $orderby, $select) */
                                uses?: ("filter" | "sort" | "select")[];
                                /** @description For a field: the last time they did, ISO (within the last day) */
                                lastUsedAt?: string;
                                /** @description Why, naming the field */
                                reason: string;
                            }[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account’s datasets, searched, filtered by integration group, ordered and paged */
        get: {
            parameters: {
                query?: {
                    /** @description Case-insensitive part of the name */
                    search?: string;
                    /** @description Only this integration group */
                    group?: string;
                    /** @description "true": only what the signed-in admin starred */
                    starred?: "true" | "false";
                    sort?: "modified" | "name";
                    /** @description Default: desc by modified, asc by name */
                    order?: "asc" | "desc";
                    page?: number;
                    size?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                name: string;
                                description: string;
                                integrationGroup: string;
                                /** @description The email of the admin who created it */
                                owner: string;
                                createdAt: string;
                                modifiedAt: string;
                                /** @description When its rows were last loaded */
                                syncedAt: string;
                                /** @description +1 on every reload */
                                version: number;
                                rowCount: number;
                                fields: {
                                    name: string;
                                    /** @enum {string} */
                                    type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                                }[];
                                /** @description Widgets built on it */
                                linkedWidgets: number;
                                /** @description Keys it is bound to */
                                linkedKeys: number;
                                /** @description When its rows were last loaded: for a live dataset, the last successful sync */
                                lastSyncedAt: string;
                                /** @description For a dataset synced from a source; null for one loaded from files */
                                live: {
                                    /** @description The source, credentials masked */
                                    url: string;
                                    schedule: string;
                                    /** @description The last failed sync’s error, until a sync succeeds */
                                    lastError: string | null;
                                    lastErrorAt: string | null;
                                } | null;
                                /** @description Whether the signed-in admin starred it */
                                starred: boolean;
                            }[];
                            total: number;
                            /** @description Every integration group in use */
                            groups: string[];
                        };
                    };
                };
            };
        };
        put?: never;
        /** Loads an upload into a new dataset; the upload is used up. A value that does not fit its type is refused with its line */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        uploadId: string;
                        name: string;
                        description?: string;
                        integrationGroup?: string;
                        /** @description Types to use instead of the inferred ones, by field name, e.g. {"zip":"TEXT"} */
                        types?: {
                            [key: string]: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                        };
                        /**
                         * @description As given to POST /uploads, so that the load reads what was shown
                         * @enum {string}
                         */
                        dateFormat?: "YYYY-MM-DD" | "MM/DD/YYYY" | "DD/MM/YYYY" | "DD.MM.YYYY" | "DD-MM-YYYY" | "YYYY/MM/DD";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            description: string;
                            integrationGroup: string;
                            /** @description The email of the admin who created it */
                            owner: string;
                            createdAt: string;
                            modifiedAt: string;
                            /** @description When its rows were last loaded */
                            syncedAt: string;
                            /** @description +1 on every reload */
                            version: number;
                            rowCount: number;
                            fields: {
                                name: string;
                                /** @enum {string} */
                                type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            }[];
                            /** @description Widgets built on it */
                            linkedWidgets: number;
                            /** @description Keys it is bound to */
                            linkedKeys: number;
                            /** @description When its rows were last loaded: for a live dataset, the last successful sync */
                            lastSyncedAt: string;
                            /** @description For a dataset synced from a source; null for one loaded from files */
                            live: {
                                /** @description The source, credentials masked */
                                url: string;
                                schedule: string;
                                /** @description The last failed sync’s error, until a sync succeeds */
                                lastError: string | null;
                                lastErrorAt: string | null;
                            } | null;
                            /** @description Whether the signed-in admin starred it */
                            starred: boolean;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/datasets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One dataset */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            description: string;
                            integrationGroup: string;
                            /** @description The email of the admin who created it */
                            owner: string;
                            createdAt: string;
                            modifiedAt: string;
                            /** @description When its rows were last loaded */
                            syncedAt: string;
                            /** @description +1 on every reload */
                            version: number;
                            rowCount: number;
                            fields: {
                                name: string;
                                /** @enum {string} */
                                type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            }[];
                            /** @description Widgets built on it */
                            linkedWidgets: number;
                            /** @description Keys it is bound to */
                            linkedKeys: number;
                            /** @description When its rows were last loaded: for a live dataset, the last successful sync */
                            lastSyncedAt: string;
                            /** @description For a dataset synced from a source; null for one loaded from files */
                            live: {
                                /** @description The source, credentials masked */
                                url: string;
                                schedule: string;
                                /** @description The last failed sync’s error, until a sync succeeds */
                                lastError: string | null;
                                lastErrorAt: string | null;
                            } | null;
                            /** @description Whether the signed-in admin starred it */
                            starred: boolean;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Deletes a dataset, its widgets and every key binding to either */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Changes a dataset’s name, description or integration group */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        description?: string;
                        integrationGroup?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            description: string;
                            integrationGroup: string;
                            /** @description The email of the admin who created it */
                            owner: string;
                            createdAt: string;
                            modifiedAt: string;
                            /** @description When its rows were last loaded */
                            syncedAt: string;
                            /** @description +1 on every reload */
                            version: number;
                            rowCount: number;
                            fields: {
                                name: string;
                                /** @enum {string} */
                                type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            }[];
                            /** @description Widgets built on it */
                            linkedWidgets: number;
                            /** @description Keys it is bound to */
                            linkedKeys: number;
                            /** @description When its rows were last loaded: for a live dataset, the last successful sync */
                            lastSyncedAt: string;
                            /** @description For a dataset synced from a source; null for one loaded from files */
                            live: {
                                /** @description The source, credentials masked */
                                url: string;
                                schedule: string;
                                /** @description The last failed sync’s error, until a sync succeeds */
                                lastError: string | null;
                                lastErrorAt: string | null;
                            } | null;
                            /** @description Whether the signed-in admin starred it */
                            starred: boolean;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/admin/api/datasets/{id}/reload": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Replaces a dataset’s rows (and fields) with an upload; readers see the old rows or the new, never a mix. Or send the file itself as multipart/form-data, in a part named "file" (curl -F file=@tickets.csv) */
        post: {
            parameters: {
                query?: {
                    /** @description For a multipart body, which carries only the file; else in the body */
                    dateFormat?: "YYYY-MM-DD" | "MM/DD/YYYY" | "DD/MM/YYYY" | "DD.MM.YYYY" | "DD-MM-YYYY" | "YYYY/MM/DD";
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        uploadId: string;
                        /** @description Types to use instead of the inferred ones, by field name, e.g. {"zip":"TEXT"} */
                        types?: {
                            [key: string]: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                        };
                        /**
                         * @description The format the data writes dates in, read besides ISO 8601 (day and month may have one digit; a time may follow, as in DD.MM.YYYY 08:50:28); API filters stay ISO 8601. Default YYYY-MM-DD
                         * @enum {string}
                         */
                        dateFormat?: "YYYY-MM-DD" | "MM/DD/YYYY" | "DD/MM/YYYY" | "DD.MM.YYYY" | "DD-MM-YYYY" | "YYYY/MM/DD";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            description: string;
                            integrationGroup: string;
                            /** @description The email of the admin who created it */
                            owner: string;
                            createdAt: string;
                            modifiedAt: string;
                            /** @description When its rows were last loaded */
                            syncedAt: string;
                            /** @description +1 on every reload */
                            version: number;
                            rowCount: number;
                            fields: {
                                name: string;
                                /** @enum {string} */
                                type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            }[];
                            /** @description Widgets built on it */
                            linkedWidgets: number;
                            /** @description Keys it is bound to */
                            linkedKeys: number;
                            /** @description When its rows were last loaded: for a live dataset, the last successful sync */
                            lastSyncedAt: string;
                            /** @description For a dataset synced from a source; null for one loaded from files */
                            live: {
                                /** @description The source, credentials masked */
                                url: string;
                                schedule: string;
                                /** @description The last failed sync’s error, until a sync succeeds */
                                lastError: string | null;
                                lastErrorAt: string | null;
                            } | null;
                            /** @description Whether the signed-in admin starred it */
                            starred: boolean;
                            /** @description Widgets and key scopes that worked before and no longer do with the new fields (they answer 409), then fields that keys' clients filtered, sorted or selected on in the last day and that the new fields drop (or, for a filter, retype) */
                            breaks: {
                                /** @enum {string} */
                                kind: "widget" | "scope" | "field";
                                /** @description The widget, or the dataset or widget the scope is bound to, or (field) the dataset */
                                id: string;
                                name: string;
                                /** @description For a scope: its key; for a field: the key whose clients used it (never the key's secret) */
                                key?: {
                                    id: string;
                                    name: string;
                                };
                                /** @description For a field: its name, as the clients used it */
                                field?: string;
                                /** @description For a field: how the clients used it (filters, _sort, _fields or $filter, $orderby, $select) */
                                uses?: ("filter" | "sort" | "select")[];
                                /** @description For a field: the last time they did, ISO (within the last day) */
                                lastUsedAt?: string;
                                /** @description Why, naming the field */
                                reason: string;
                            }[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/datasets/{id}/impact": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What deleting the dataset takes with it: its widgets, and the keys bound to it or to one of them */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            widgets: {
                                id: string;
                                name: string;
                            }[];
                            keys: {
                                id: string;
                                name: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/datasets/{id}/rows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A page of the dataset’s rows: the public API’s data, with the same filters, _sort and _fields */
        get: {
            parameters: {
                query?: {
                    /** @description Page, from 1 */
                    current?: string;
                    /** @description Rows per page, up to the server’s largest page */
                    size?: string;
                    /** @description Fields, "-" for descending, e.g. "-created,id" */
                    _sort?: string;
                    /** @description Only these fields, e.g. "id,summary" */
                    _fields?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            records: {
                                [key: string]: unknown;
                            }[];
                            total: number;
                            size: number;
                            current: number;
                            pages: number;
                            orders: {
                                column: string;
                                asc: boolean;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/datasets/connect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Creates a dataset synced from a database query or an http(s) URL and runs its first sync; nothing is created when that sync fails (502 SOURCE_FAILED) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @description postgres://, mysql://, https:// or http:// */
                        url: string;
                        /** @description For a database: one SELECT */
                        query?: string;
                        /** @description For http(s): request headers */
                        headers?: {
                            [key: string]: string;
                        };
                        /** @enum {string} */
                        format?: "csv" | "json" | "ndjson";
                        /** @description The dotted path of the records array in JSON */
                        recordsPath?: string;
                        /** @description Cron, 5 fields, UTC */
                        schedule?: string;
                        integrationGroup?: string;
                        description?: string;
                        types?: {
                            [key: string]: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                        };
                        /**
                         * @description Kept with the source: every sync reads its dates so
                         * @enum {string}
                         */
                        dateFormat?: "YYYY-MM-DD" | "MM/DD/YYYY" | "DD/MM/YYYY" | "DD.MM.YYYY" | "DD-MM-YYYY" | "YYYY/MM/DD";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            rows: number;
                            fields: {
                                name: string;
                                /** @enum {string} */
                                type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            }[];
                            schedule: string | null;
                            /** @description When the last successful sync ended */
                            lastSyncedAt: string;
                            /** @description Where a live dataset’s rows come from, credentials masked */
                            source: {
                                /** @enum {string} */
                                kind: "postgres" | "mysql" | "http";
                                /** @description The URL with its password and credential-like parameters masked */
                                url: string;
                                query: string;
                                /** @description Header values masked, but for Accept, Content-Type… */
                                headers: {
                                    [key: string]: string;
                                };
                                format: string;
                                recordsPath: string;
                                types: {
                                    [key: string]: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                                };
                                /** @description The format its dates are read in besides ISO 8601; empty: ISO 8601 only */
                                dateFormat: string;
                                /** @description Cron, UTC; empty: synced only on demand */
                                schedule: string;
                                nextRunAt: string | null;
                                /** @description The last failed sync’s error, until a sync succeeds */
                                lastError: string | null;
                                lastErrorAt: string | null;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/datasets/connect/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reads a source as connect would, with the same checks and limits, and answers the inferred fields and the first 20 rows; nothing is stored (502 SOURCE_FAILED when the source fails) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description postgres://, mysql://, https:// or http:// */
                        url: string;
                        /** @description For a database: one SELECT */
                        query?: string;
                        /** @description For http(s): request headers */
                        headers?: {
                            [key: string]: string;
                        };
                        /** @enum {string} */
                        format?: "csv" | "json" | "ndjson";
                        /** @description The dotted path of the records array in JSON */
                        recordsPath?: string;
                        types?: {
                            [key: string]: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                        };
                        /**
                         * @description The format the data writes dates in, read besides ISO 8601 (day and month may have one digit; a time may follow, as in DD.MM.YYYY 08:50:28); API filters stay ISO 8601. Default YYYY-MM-DD
                         * @enum {string}
                         */
                        dateFormat?: "YYYY-MM-DD" | "MM/DD/YYYY" | "DD/MM/YYYY" | "DD.MM.YYYY" | "DD-MM-YYYY" | "YYYY/MM/DD";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description In source order; a query's first 1000 rows, an HTTP body in full */
                            fields: {
                                name: string;
                                /** @enum {string} */
                                type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            }[];
                            /** @description The first 20 rows, values as the public API gives them */
                            sample: {
                                [key: string]: unknown;
                            }[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/datasets/{id}/source/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reads a live dataset’s source as an edit would leave it (a password, parameter or header value left masked (****) as shown keeps the stored one) and answers the inferred fields and the first 20 rows; nothing is stored */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description postgres://, mysql://, https:// or http:// */
                        url: string;
                        /** @description For a database: one SELECT */
                        query?: string;
                        /** @description For http(s): request headers */
                        headers?: {
                            [key: string]: string;
                        };
                        /** @enum {string} */
                        format?: "csv" | "json" | "ndjson";
                        /** @description The dotted path of the records array in JSON */
                        recordsPath?: string;
                        /**
                         * @description The format the data writes dates in, read besides ISO 8601 (day and month may have one digit; a time may follow, as in DD.MM.YYYY 08:50:28); API filters stay ISO 8601. Default YYYY-MM-DD
                         * @enum {string}
                         */
                        dateFormat?: "YYYY-MM-DD" | "MM/DD/YYYY" | "DD/MM/YYYY" | "DD.MM.YYYY" | "DD-MM-YYYY" | "YYYY/MM/DD";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description In source order; a query's first 1000 rows, an HTTP body in full */
                            fields: {
                                name: string;
                                /** @enum {string} */
                                type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            }[];
                            /** @description The first 20 rows, values as the public API gives them */
                            sample: {
                                [key: string]: unknown;
                            }[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/datasets/{id}/source": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A live dataset’s source, credentials masked; 404 for a dataset loaded from files */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Where a live dataset’s rows come from, credentials masked */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            kind: "postgres" | "mysql" | "http";
                            /** @description The URL with its password and credential-like parameters masked */
                            url: string;
                            query: string;
                            /** @description Header values masked, but for Accept, Content-Type… */
                            headers: {
                                [key: string]: string;
                            };
                            format: string;
                            recordsPath: string;
                            types: {
                                [key: string]: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            };
                            /** @description The format its dates are read in besides ISO 8601; empty: ISO 8601 only */
                            dateFormat: string;
                            /** @description Cron, UTC; empty: synced only on demand */
                            schedule: string;
                            nextRunAt: string | null;
                            /** @description The last failed sync’s error, until a sync succeeds */
                            lastError: string | null;
                            lastErrorAt: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes a live dataset’s source and/or schedule, checked as on connect; fields left out stay, a password, parameter or header value left masked (****) as shown keeps the stored one. The rows stay until the next sync; with sync: true it syncs at once (a failure keeps the rows and is recorded, as any sync’s) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description postgres://, mysql://, https:// or http:// */
                        url?: string;
                        /** @description For a database: one SELECT */
                        query?: string;
                        /** @description For http(s): the whole set of request headers */
                        headers?: {
                            [key: string]: string;
                        };
                        /**
                         * @description '': by Content-Type, then extension
                         * @enum {string}
                         */
                        format?: "csv" | "json" | "ndjson" | "";
                        /** @description The dotted path of the records array in JSON */
                        recordsPath?: string;
                        /** @description Cron, 5 fields, UTC; null or empty: no schedule (synced on demand only) */
                        schedule?: string | null;
                        /**
                         * @description The format the data writes dates in, read besides ISO 8601 (day and month may have one digit; a time may follow, as in DD.MM.YYYY 08:50:28); API filters stay ISO 8601. Default YYYY-MM-DD
                         * @enum {string}
                         */
                        dateFormat?: "YYYY-MM-DD" | "MM/DD/YYYY" | "DD/MM/YYYY" | "DD.MM.YYYY" | "DD-MM-YYYY" | "YYYY/MM/DD";
                        /** @description Sync at once with the saved source */
                        sync?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Where a live dataset’s rows come from, credentials masked */
                            source: {
                                /** @enum {string} */
                                kind: "postgres" | "mysql" | "http";
                                /** @description The URL with its password and credential-like parameters masked */
                                url: string;
                                query: string;
                                /** @description Header values masked, but for Accept, Content-Type… */
                                headers: {
                                    [key: string]: string;
                                };
                                format: string;
                                recordsPath: string;
                                types: {
                                    [key: string]: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                                };
                                /** @description The format its dates are read in besides ISO 8601; empty: ISO 8601 only */
                                dateFormat: string;
                                /** @description Cron, UTC; empty: synced only on demand */
                                schedule: string;
                                nextRunAt: string | null;
                                /** @description The last failed sync’s error, until a sync succeeds */
                                lastError: string | null;
                                lastErrorAt: string | null;
                            };
                            /** @description What the edit changed, as the audit log names it */
                            changed: string[];
                            /** @description The sync asked for with sync: true; null without */
                            sync: {
                                /** @enum {string} */
                                result: "ok" | "failed";
                                rows: number | null;
                                error: string | null;
                            } | null;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/admin/api/datasets/{id}/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Syncs a live dataset now; on failure (502 SOURCE_FAILED) the previous rows stay and the error is recorded */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            rows: number;
                            fields: {
                                name: string;
                                /** @enum {string} */
                                type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            }[];
                            schedule: string | null;
                            /** @description When the last successful sync ended */
                            lastSyncedAt: string;
                            /** @description Where a live dataset’s rows come from, credentials masked */
                            source: {
                                /** @enum {string} */
                                kind: "postgres" | "mysql" | "http";
                                /** @description The URL with its password and credential-like parameters masked */
                                url: string;
                                query: string;
                                /** @description Header values masked, but for Accept, Content-Type… */
                                headers: {
                                    [key: string]: string;
                                };
                                format: string;
                                recordsPath: string;
                                types: {
                                    [key: string]: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                                };
                                /** @description The format its dates are read in besides ISO 8601; empty: ISO 8601 only */
                                dateFormat: string;
                                /** @description Cron, UTC; empty: synced only on demand */
                                schedule: string;
                                nextRunAt: string | null;
                                /** @description The last failed sync’s error, until a sync succeeds */
                                lastError: string | null;
                                lastErrorAt: string | null;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/datasets/{id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A live dataset’s last syncs, newest first: start, end, rows, result or error */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            runs: {
                                id: string;
                                /** @enum {string} */
                                trigger: "connect" | "manual" | "schedule";
                                startedAt: string;
                                endedAt: string | null;
                                /** @enum {string} */
                                result: "running" | "ok" | "failed";
                                rows: number | null;
                                error: string | null;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/widgets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account’s widgets, searched by name, filtered by their dataset’s integration group, ordered and paged */
        get: {
            parameters: {
                query?: {
                    /** @description Case-insensitive part of the name */
                    search?: string;
                    /** @description Only this integration group */
                    group?: string;
                    /** @description "true": only what the signed-in admin starred */
                    starred?: "true" | "false";
                    sort?: "modified" | "name";
                    /** @description Default: desc by modified, asc by name */
                    order?: "asc" | "desc";
                    page?: number;
                    size?: number;
                    /** @description "true": only the widgets the signed-in admin created */
                    mine?: "true" | "false";
                    /** @description Only the widgets of this dataset (id) */
                    dataset?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                name: string;
                                datasetId: string;
                                datasetName: string;
                                /** @description The dataset’s */
                                integrationGroup: string;
                                chart: string;
                                /** @description The definition as saved, field names as the dataset spells them */
                                spec: {
                                    [key: string]: unknown;
                                };
                                columns: {
                                    label: string;
                                    /** @description null when the dataset no longer has the field */
                                    type: ("TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME") | null;
                                }[];
                                /** @description Why the spec no longer fits its dataset’s fields (clients are answered 409), or null */
                                broken: string | null;
                                createdAt: string;
                                modifiedAt: string;
                                /** @description Keys it is bound to */
                                linkedKeys: number;
                                /** @description The email of the admin who created it; "" when not recorded */
                                owner: string;
                                /** @description Whether the signed-in admin created it */
                                mine: boolean;
                                /** @description Whether the signed-in admin starred it */
                                starred: boolean;
                            }[];
                            total: number;
                            groups: string[];
                        };
                    };
                };
            };
        };
        put?: never;
        /** Creates a widget from a spec; an invalid spec is refused with what is wrong */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The widget’s name */
                        name: string;
                        /** @description The id of the dataset it aggregates */
                        dataset: string;
                        /** @enum {string} */
                        chart: "table" | "bar" | "line" | "pie" | "number";
                        /** @description Group by these fields; DATE and DATETIME fields may be bucketed */
                        dimensions?: ({
                            field: string;
                            label: string;
                            bucket?: ("day" | "week" | "month" | "quarter" | "year") | null;
                        } & {
                            [key: string]: unknown;
                        })[];
                        measures?: ({
                            /** @enum {string} */
                            agg: "count" | "count_distinct" | "sum" | "avg" | "min" | "max";
                            field?: string | null;
                            label: string;
                        } & {
                            [key: string]: unknown;
                        })[];
                        /** @description The public API’s filter language, e.g. "status=Open&priority=1,3" */
                        filter?: string;
                        /** @description Column labels, "-" for descending, e.g. "-Hours,Board" */
                        sort?: string;
                        /** @description Keep only the first rows after the sort */
                        limit?: number | null;
                        /** @description Display: a bar chart with two dimensions stacks the second one’s bars (default: side by side) */
                        stacked?: boolean;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            datasetId: string;
                            datasetName: string;
                            /** @description The dataset’s */
                            integrationGroup: string;
                            chart: string;
                            /** @description The definition as saved, field names as the dataset spells them */
                            spec: {
                                [key: string]: unknown;
                            };
                            columns: {
                                label: string;
                                /** @description null when the dataset no longer has the field */
                                type: ("TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME") | null;
                            }[];
                            /** @description Why the spec no longer fits its dataset’s fields (clients are answered 409), or null */
                            broken: string | null;
                            createdAt: string;
                            modifiedAt: string;
                            /** @description Keys it is bound to */
                            linkedKeys: number;
                            /** @description The email of the admin who created it; "" when not recorded */
                            owner: string;
                            /** @description Whether the signed-in admin created it */
                            mine: boolean;
                            /** @description Whether the signed-in admin starred it */
                            starred: boolean;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/widgets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One widget */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            datasetId: string;
                            datasetName: string;
                            /** @description The dataset’s */
                            integrationGroup: string;
                            chart: string;
                            /** @description The definition as saved, field names as the dataset spells them */
                            spec: {
                                [key: string]: unknown;
                            };
                            columns: {
                                label: string;
                                /** @description null when the dataset no longer has the field */
                                type: ("TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME") | null;
                            }[];
                            /** @description Why the spec no longer fits its dataset’s fields (clients are answered 409), or null */
                            broken: string | null;
                            createdAt: string;
                            modifiedAt: string;
                            /** @description Keys it is bound to */
                            linkedKeys: number;
                            /** @description The email of the admin who created it; "" when not recorded */
                            owner: string;
                            /** @description Whether the signed-in admin created it */
                            mine: boolean;
                            /** @description Whether the signed-in admin starred it */
                            starred: boolean;
                        };
                    };
                };
            };
        };
        /** Replaces a widget’s definition */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The widget’s name */
                        name: string;
                        /** @description The id of the dataset it aggregates */
                        dataset: string;
                        /** @enum {string} */
                        chart: "table" | "bar" | "line" | "pie" | "number";
                        /** @description Group by these fields; DATE and DATETIME fields may be bucketed */
                        dimensions?: ({
                            field: string;
                            label: string;
                            bucket?: ("day" | "week" | "month" | "quarter" | "year") | null;
                        } & {
                            [key: string]: unknown;
                        })[];
                        measures?: ({
                            /** @enum {string} */
                            agg: "count" | "count_distinct" | "sum" | "avg" | "min" | "max";
                            field?: string | null;
                            label: string;
                        } & {
                            [key: string]: unknown;
                        })[];
                        /** @description The public API’s filter language, e.g. "status=Open&priority=1,3" */
                        filter?: string;
                        /** @description Column labels, "-" for descending, e.g. "-Hours,Board" */
                        sort?: string;
                        /** @description Keep only the first rows after the sort */
                        limit?: number | null;
                        /** @description Display: a bar chart with two dimensions stacks the second one’s bars (default: side by side) */
                        stacked?: boolean;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            datasetId: string;
                            datasetName: string;
                            /** @description The dataset’s */
                            integrationGroup: string;
                            chart: string;
                            /** @description The definition as saved, field names as the dataset spells them */
                            spec: {
                                [key: string]: unknown;
                            };
                            columns: {
                                label: string;
                                /** @description null when the dataset no longer has the field */
                                type: ("TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME") | null;
                            }[];
                            /** @description Why the spec no longer fits its dataset’s fields (clients are answered 409), or null */
                            broken: string | null;
                            createdAt: string;
                            modifiedAt: string;
                            /** @description Keys it is bound to */
                            linkedKeys: number;
                            /** @description The email of the admin who created it; "" when not recorded */
                            owner: string;
                            /** @description Whether the signed-in admin created it */
                            mine: boolean;
                            /** @description Whether the signed-in admin starred it */
                            starred: boolean;
                        };
                    };
                };
            };
        };
        post?: never;
        /** Deletes a widget and its key bindings */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/widgets/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Runs a spec without saving it: the first 1000 rows of its result */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        /** @description The id of the dataset it aggregates */
                        dataset: string;
                        /** @enum {string} */
                        chart: "table" | "bar" | "line" | "pie" | "number";
                        /** @description Group by these fields; DATE and DATETIME fields may be bucketed */
                        dimensions?: ({
                            field: string;
                            label: string;
                            bucket?: ("day" | "week" | "month" | "quarter" | "year") | null;
                        } & {
                            [key: string]: unknown;
                        })[];
                        measures?: ({
                            /** @enum {string} */
                            agg: "count" | "count_distinct" | "sum" | "avg" | "min" | "max";
                            field?: string | null;
                            label: string;
                        } & {
                            [key: string]: unknown;
                        })[];
                        /** @description The public API’s filter language, e.g. "status=Open&priority=1,3" */
                        filter?: string;
                        /** @description Column labels, "-" for descending, e.g. "-Hours,Board" */
                        sort?: string;
                        /** @description Keep only the first rows after the sort */
                        limit?: number | null;
                        /** @description Display: a bar chart with two dimensions stacks the second one’s bars (default: side by side) */
                        stacked?: boolean;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            columns: {
                                label: string;
                                /** @enum {string} */
                                type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            }[];
                            /** @description Keyed by label; every value a string or null, as the public API gives them */
                            rows: {
                                [key: string]: string | null;
                            }[];
                            /** @description Rows of the whole result */
                            total: number;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/widgets/{id}/rows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A page of a saved widget’s result, with the public API’s paging, filters on its columns, _sort and _fields */
        get: {
            parameters: {
                query?: {
                    /** @description Page, from 1 */
                    current?: string;
                    /** @description Rows per page, up to the server’s largest page */
                    size?: string;
                    /** @description Fields, "-" for descending, e.g. "-created,id" */
                    _sort?: string;
                    /** @description Only these fields, e.g. "id,summary" */
                    _fields?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            columns: {
                                label: string;
                                /** @enum {string} */
                                type: "TEXT" | "NUMBER" | "BOOLEAN" | "DATE" | "DATETIME";
                            }[];
                            /** @description Keyed by label; every value a string or null, as the public API gives them */
                            rows: {
                                [key: string]: string | null;
                            }[];
                            /** @description Rows of the whole result */
                            total: number;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/datasets/{id}/star": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Stars the dataset for the signed-in admin (a favourite); starring twice is the same as once */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Starred */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
            };
        };
        post?: never;
        /** Takes the signed-in admin’s star off the dataset */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Not starred */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/widgets/{id}/star": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Stars the widget for the signed-in admin (a favourite); starring twice is the same as once */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Starred */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
            };
        };
        post?: never;
        /** Takes the signed-in admin’s star off the widget */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Not starred */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Public API requests of every key of the tenant over a window, per hour and by HTTP status */
        get: {
            parameters: {
                query?: {
                    /** @description The window in hours, 1 to 720: the current hour and the hours before it (default 24; not with from/to) */
                    hours?: number;
                    /** @description Start of the window (instead of hours); before the oldest kept usage (30 days) it is moved up to it: an ISO 8601 date (midnight UTC) or date-time with a zone */
                    from?: string;
                    /** @description End of the window, with from (default now; later than now counts as now): an ISO 8601 date (midnight UTC) or date-time with a zone */
                    to?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Start of the window, ISO: the start of its first hour, or from (to the minute) */
                            from: string;
                            /** @description End of the window, ISO: now, or to */
                            to: string;
                            /** @description from was earlier than the oldest kept usage (30 days) and was moved up to it */
                            clamped: boolean;
                            /** @description Every key of the tenant, traffic or not, and removed keys with requests in the window */
                            keys: {
                                keyId: string;
                                /** @description The key's name; a removed key's name when it was removed */
                                keyName: string;
                                /** @description The key was removed; its requests stay counted */
                                removed: boolean;
                                lastUsedAt: string | null;
                                /** @description Requests in the window */
                                requests: number;
                                /** @description Requests in the window by HTTP status, e.g. {"200": 10, "429": 2} */
                                byStatus: {
                                    [key: string]: number;
                                };
                                /** @description One point per hour of the window, oldest first, zeros included */
                                series: {
                                    /** @description The hour, ISO */
                                    at: string;
                                    requests: number;
                                    /** @description Status 400 or above */
                                    errors: number;
                                }[];
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api/usage.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The same counts as CSV: one line per key, hour and status with requests
         * @description Takes the same hours or from/to as GET /usage. Columns: hour (ISO, the hour’s start), key_id, key_name, removed (true/false), status, requests. A header row always; lines with requests only, by hour, key name and status.
         */
        get: {
            parameters: {
                query?: {
                    /** @description The window in hours, 1 to 720: the current hour and the hours before it (default 24; not with from/to) */
                    hours?: number;
                    /** @description Start of the window (instead of hours); before the oldest kept usage (30 days) it is moved up to it: an ISO 8601 date (midnight UTC) or date-time with a zone */
                    from?: string;
                    /** @description End of the window, with from (default now; later than now counts as now): an ISO 8601 date (midnight UTC) or date-time with a zone */
                    to?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description text/csv; charset=utf-8 */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": string;
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
};
export type webhooks = Record<string, never>;
export type components = {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
};
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
