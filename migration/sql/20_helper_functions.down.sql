DROP FUNCTION search_jtbds(text, integer);
DROP FUNCTION search_agents(text, integer);
DROP FUNCTION match_documents(vector, integer, uuid);
