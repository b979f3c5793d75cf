-- 0004: resource types added at runtime (POST /api/v1/resource-types), shared by every serve
-- replica and worker (PostgresTypeStore, src/types/postgres). Types are only ever added: a
-- name is taken once (the primary key decides between two replicas adding it at once).

CREATE TABLE resource_types (
  name       text COLLATE "C" PRIMARY KEY CHECK (name <> ''),
  -- Order of addition across processes (List shows added types in this order). Gaps are
  -- possible (a refused INSERT still draws a number); the order is what counts.
  position   bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  -- The type as config::ResourceTypeToJson(type, SecretOutput::kInclude) writes it, read back
  -- with config::ParseResourceType. json (not jsonb) keeps the text as written.
  definition json NOT NULL
             CHECK (json_typeof(definition) = 'object' AND definition->>'name' = name),
  created_at timestamptz NOT NULL              -- the adding process's Clock
);
