-- Phase 20 (000 "helper functions"): the registry's SQL entry points for retrieval, kept for SQL
-- clients and peers (PostGraphile exposes them as fields). The gateway builds its own statements
-- and does not depend on these. They are SECURITY INVOKER, so row-level security applies.

-- RAG retrieval (Supabase's match_documents shape): the nearest chunks to a query embedding,
-- optionally limited to one agent's knowledge sources.
CREATE FUNCTION match_documents(query_embedding vector(1536), match_count integer DEFAULT 10,
                                filter_agent_id uuid DEFAULT NULL)
RETURNS TABLE (id uuid, source_id uuid, content text, similarity double precision)
LANGUAGE sql STABLE AS $$
  SELECT c.id, c.source_id, c.content, 1 - (c.embedding <=> query_embedding) AS similarity
  FROM knowledge_chunks c
  WHERE c.embedding IS NOT NULL
    AND (filter_agent_id IS NULL OR c.source_id IN (
          SELECT ak.knowledge_source_id FROM agent_knowledge ak WHERE ak.agent_id = filter_agent_id))
  ORDER BY c.embedding <=> query_embedding
  LIMIT match_count
$$;

-- Full-text search over agents, using the same expression as the agents' GIN index.
CREATE FUNCTION search_agents(query text, max_results integer DEFAULT 20)
RETURNS TABLE (id uuid, name varchar, rank real)
LANGUAGE sql STABLE AS $$
  SELECT a.id, a.name,
         ts_rank(to_tsvector('english', a.name || ' ' || coalesce(a.description, '')),
                 websearch_to_tsquery('english', query)) AS rank
  FROM agents a
  WHERE a.deleted_at IS NULL
    AND to_tsvector('english', a.name || ' ' || coalesce(a.description, '')) @@ websearch_to_tsquery('english', query)
  ORDER BY rank DESC, a.id
  LIMIT max_results
$$;

-- Full-text search over jobs-to-be-done, on the name/description expression of their GIN index.
CREATE FUNCTION search_jtbds(query text, max_results integer DEFAULT 20)
RETURNS TABLE (id uuid, name varchar, rank real)
LANGUAGE sql STABLE AS $$
  SELECT j.id, j.name,
         ts_rank(to_tsvector('english', j.name || ' ' || coalesce(j.description, '')),
                 websearch_to_tsquery('english', query)) AS rank
  FROM jobs_to_be_done j
  WHERE j.deleted_at IS NULL
    AND to_tsvector('english', j.name || ' ' || coalesce(j.description, '')) @@ websearch_to_tsquery('english', query)
  ORDER BY rank DESC, j.id
  LIMIT max_results
$$;
