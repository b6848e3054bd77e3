// What DBeaver, Tableau and Metabase do through the PostgreSQL JDBC driver: connect, list tables and columns
// through DatabaseMetaData, run a SELECT with a bind parameter. Prints tab-separated lines for the test to read.
// Run as a single-file program: java -cp postgresql.jar JdbcProbe.java URL USER PASSWORD SCHEMA TABLE SQL VALUE
import java.sql.*;

public class JdbcProbe {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0], args[1], args[2])) {
            DatabaseMetaData meta = c.getMetaData();
            System.out.println("product\t" + meta.getDatabaseProductName() + "\t" + meta.getDatabaseProductVersion());
            try (ResultSet r = meta.getSchemas()) {
                while (r.next()) System.out.println("schema\t" + r.getString("TABLE_SCHEM"));
            }
            try (ResultSet r = meta.getTables(null, args[3], "%", new String[] {"TABLE", "VIEW"})) {
                while (r.next()) {
                    System.out.println("table\t" + r.getString("TABLE_SCHEM") + "\t" + r.getString("TABLE_NAME") + "\t" + r.getString("TABLE_TYPE"));
                }
            }
            try (ResultSet r = meta.getColumns(null, args[3], args[4], "%")) {
                while (r.next()) {
                    System.out.println("column\t" + r.getString("COLUMN_NAME") + "\t" + r.getString("TYPE_NAME") + "\t" + r.getInt("DATA_TYPE") + "\t" + r.getInt("ORDINAL_POSITION") + "\t" + r.getInt("COLUMN_SIZE") + "\t" + r.getInt("DECIMAL_DIGITS"));
                }
            }
            try (PreparedStatement s = c.prepareStatement(args[5])) {
                s.setString(1, args[6]);
                for (int run = 0; run < 6; run++) {  // past prepareThreshold (5): the server-side prepared statement
                    try (ResultSet r = s.executeQuery()) {
                        int n = r.getMetaData().getColumnCount();
                        while (r.next()) {
                            StringBuilder line = new StringBuilder("row" + run);
                            for (int i = 1; i <= n; i++) line.append('\t').append(r.getString(i));
                            System.out.println(line);
                        }
                    }
                }
            }
        }
    }
}
